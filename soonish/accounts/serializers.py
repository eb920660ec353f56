from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from soonish.fields import TimeZoneField

from .models import User


class UserSerializer(serializers.ModelSerializer):
    time_zone = TimeZoneField(required=False)

    class Meta:
        model = User
        fields = ["id", "email", "name", "is_verified", "time_zone"]
        read_only_fields = ["id", "email", "is_verified"]


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


class RefreshTokenSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class RefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, answering 401 (not 500) when the token's account was deleted."""

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except User.DoesNotExist:
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from None


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(required=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(TokenSerializer):
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
