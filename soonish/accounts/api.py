"""Accounts API: register, log in and out, tokens, verification, password reset, profile."""

from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from soonish.api import as_drf
from soonish.schema import ERROR

from . import services
from .serializers import (
    DetailSerializer,
    EmailSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    LogoutSerializer,
    PasswordResetConfirmSerializer,
    RefreshSerializer,
    RefreshTokenSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    TokenSerializer,
    UserSerializer,
)
from .tokens import BadToken


# Anyone may call these; without session authentication there is no CSRF check either.
class PublicView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_scope = "auth"

    def get_authenticate_header(self, request):
        # Without authenticators DRF turns a 401 (failed login) into a 403; keep the 401.
        return JWTAuthentication().authenticate_header(request)


class RegisterView(PublicView):
    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request):
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.user_register(**data.validated_data)
        except DjangoValidationError as exc:
            raise as_drf(exc) from None
        body = UserSerializer(user).data
        # A claim must not show the claimer what the existing account holds.
        body.update(name=data.validated_data["name"], is_verified=False)
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(PublicView):
    @extend_schema(
        request=LoginSerializer,
        responses={
            200: LoginResponseSerializer,
            401: OpenApiResponse(ERROR, "Wrong email or password."),
        },
    )
    def post(self, request):
        data = LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None:
            raise AuthenticationFailed("Email or password is incorrect.")
        login(request, user)
        refresh = RefreshToken.for_user(user)
        return Response(
            {
                "access": str(refresh.access_token),
                "refresh": str(refresh),
                "user": UserSerializer(user).data,
            }
        )


@extend_schema(
    request=RefreshTokenSerializer,
    responses={
        200: TokenPairSerializer,
        401: OpenApiResponse(ERROR, "The refresh token is invalid, expired or already used."),
    },
)
class RefreshView(TokenRefreshView):
    serializer_class = RefreshSerializer
    throttle_scope = "auth"


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=LogoutSerializer, responses={204: None})
    def post(self, request):
        data = LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        raw = data.validated_data.get("refresh")
        user_id = request.user.pk
        logout(request)  # the session ends whatever becomes of the token below
        if raw:
            try:
                token = RefreshToken(raw)
            except TokenError as exc:
                raise ValidationError({"refresh": [str(exc)]}) from None
            if str(token.get("user_id")) != str(user_id):
                raise ValidationError(
                    {"refresh": ["This refresh token belongs to another account."]}
                )
            token.blacklist()
        return Response(status=status.HTTP_204_NO_CONTENT)


class VerifyEmailView(PublicView):
    def _verify(self, token):
        if not token:
            raise ValidationError({"token": ["This field is required."]})
        try:
            user = services.user_verify_email(token=token)
        except BadToken as exc:
            raise ValidationError({"token": [str(exc)]}) from None
        return Response(UserSerializer(user).data)

    @extend_schema(request=TokenSerializer, responses={200: UserSerializer})
    def post(self, request):
        data = TokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._verify(data.validated_data["token"])

    @extend_schema(
        parameters=[TokenSerializer],
        responses={200: UserSerializer},
        operation_id="auth_verify_get",
    )
    def get(self, request):
        return self._verify(request.query_params.get("token", ""))


_SENT = "If an account uses this address, we have sent it an email."


class ResendVerificationView(PublicView):
    throttle_scope = "auth_email"

    @extend_schema(request=EmailSerializer, responses={200: DetailSerializer})
    def post(self, request):
        data = EmailSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.verification_resend(**data.validated_data)
        return Response({"detail": _SENT})


class PasswordResetView(PublicView):
    throttle_scope = "auth_email"

    @extend_schema(request=EmailSerializer, responses={200: DetailSerializer})
    def post(self, request):
        data = EmailSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(**data.validated_data)
        return Response({"detail": _SENT})


class PasswordResetConfirmView(PublicView):
    @extend_schema(request=PasswordResetConfirmSerializer, responses={200: DetailSerializer})
    def post(self, request):
        data = PasswordResetConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.password_reset_confirm(**data.validated_data)
        except BadToken as exc:
            raise ValidationError({"token": [str(exc)]}) from None
        except DjangoValidationError as exc:
            raise as_drf(exc) from None
        return Response({"detail": "Your password has been changed; you can log in now."})


class MeView(generics.RetrieveUpdateAPIView):
    serializer_class = UserSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        try:
            services.user_update(user=self.request.user, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise as_drf(exc) from None
