from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView

from .views import Me

urlpatterns = [
    path("token/", TokenObtainPairView.as_view()),
    path("me/", Me.as_view()),
]
