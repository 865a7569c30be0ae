from rest_framework.response import Response
from rest_framework.views import APIView


class Me(APIView):
    """Who am I: the user simplejwt's JWTAuthentication loaded (one query per request), under IsAuthenticated."""

    def get(self, request):
        user = request.user
        return Response({"id": user.id, "username": user.username, "role": "ADMIN" if user.is_staff else "USER"})
