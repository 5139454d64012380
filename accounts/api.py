"""The API's sign-in: tokens for a mobile app (djangorestframework-simplejwt), and who am I.

    POST /api/v1/auth/token/    {"username", "password", "otp"?} -> {"access", "refresh"}
    POST /api/v1/auth/refresh/  {"refresh"} -> {"access", "refresh"}   (the old refresh is spent)
    POST /api/v1/auth/revoke/   {"refresh"} -> 204                      (signing out of the app)
    GET  /api/v1/me/            the signed-in person: name, role, what they may do

An access token lives 5 minutes, a refresh token 7 days (settings.SIMPLE_JWT). A refresh token
is used once: refreshing spends it and gives a new one (rotation); a spent or revoked one is
refused. A deactivated account's tokens are refused at once, and a password change revokes
every token issued before it (the token carries a hash of the password).
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from accounts import services
from hms import audit, rbac
from hms.api import TokenRateThrottle


class TokenRequest(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        help_text="The 6-digit code of the authenticator app, for accounts that have one.",
    )


class TokenPair(serializers.Serializer):
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class RefreshRequest(serializers.Serializer):
    refresh = serializers.CharField()


class TokenObtain(APIView):
    """Sign in: username, password and, for an account with an authenticator app (or a role
    that must have one), its current code. Wrong details answer 401 with the reason a person can
    act on; the attempt is audited as the sign-in page audits it."""

    capability = rbac.PUBLIC
    throttle_classes = [TokenRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenRequest, responses={200: TokenPair})
    def post(self, request):
        given = TokenRequest(data=request.data)
        given.is_valid(raise_exception=True)
        try:  # the sign-in page's limit of wrong passwords per account counts here too
            user = services.password_check(
                request=request._request,
                username=given.validated_data["username"],
                password=given.validated_data["password"],
            )
        except services.AccountError as limit:
            raise exceptions.AuthenticationFailed(str(limit)) from limit
        if user is None:
            raise exceptions.AuthenticationFailed("The username or password is not right.")
        if user.must_change_password:
            raise exceptions.AuthenticationFailed(
                "This account has a one-time password: sign in on the website once and choose "
                "your own, then sign in here."
            )
        has_device = user.totpdevice_set.filter(confirmed=True).exists()
        if has_device:
            code = given.validated_data.get("otp", "")
            if not code:
                raise exceptions.AuthenticationFailed(
                    "Enter the 6-digit code shown in your authenticator app (field otp)."
                )
            try:
                services.totp_check(user=user, token=code, request=request._request)
            except services.AccountError as error:
                raise exceptions.AuthenticationFailed(str(error)) from error
        elif user.second_factor_required:
            raise exceptions.AuthenticationFailed(
                "Your role needs an authenticator app: set it up on the website first."
            )
        refresh = RefreshToken.for_user(user)
        audit.record(actor=user, action="auth.api_token", obj=user, request=request._request)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


class TokenRefresh(TokenRefreshView):
    """A new access token and a new refresh token for an unspent refresh token of an active
    account; the one given is spent (refresh-token rotation)."""

    capability = rbac.PUBLIC
    throttle_classes = [TokenRateThrottle]
    throttle_scope = "token"


class TokenRevoke(APIView):
    """Sign out of the app: the refresh token given is revoked (its access token runs out within
    5 minutes)."""

    capability = rbac.PUBLIC
    throttle_classes = [TokenRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=RefreshRequest, responses={204: None})
    def post(self, request):
        given = RefreshRequest(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            token = RefreshToken(given.validated_data["refresh"])
            token.blacklist()
        except TokenError as error:
            raise exceptions.AuthenticationFailed(str(error)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class Me(APIView):
    """The signed-in person: username, name, role and what the role may do."""

    capability = rbac.SIGNED_IN

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "name": serializers.CharField(),
                "role": serializers.CharField(),
                "role_label": serializers.CharField(),
                "capabilities": serializers.ListField(child=serializers.CharField()),
                "patient_id": serializers.UUIDField(allow_null=True),
            },
        )
    )
    def get(self, request):
        user = request.user
        patient = getattr(user, "patient_record", None) if user.is_patient else None
        return Response(
            {
                "username": user.username,
                "name": user.get_full_name() or user.username,
                "role": user.role,
                "role_label": user.role_label,
                "capabilities": [
                    capability for capability in rbac.MATRIX if rbac.allows(user, capability)
                ],
                "patient_id": str(patient.pk) if patient else None,
            }
        )
