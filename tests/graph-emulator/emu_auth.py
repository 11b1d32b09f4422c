"""The emulator's Entra ID token endpoint and access-token store.

POST /{tenant}/oauth2/v2.0/token with grant_type=client_credentials, either a
client_secret or a JWT client assertion signed with a registered certificate
(RS256 with x5t, or PS256 with x5t#S256).  Errors carry the AADSTS codes and
the body shape of the real service (error, error_description with trace and
correlation ids, error_codes, timestamp, trace_id, correlation_id, error_uri).

Access tokens look like JWTs but are only meaningful to this process: they are
kept in memory and looked up on every Graph call.
"""

import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from datetime import datetime, timezone

from emu_crypto import b64url_encode, jwt_split, jwt_verify

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenError(Exception):
    def __init__(self, status, error, code, message):
        super().__init__(message)
        self.status, self.error, self.code, self.message = status, error, code, message


def token_error_body(err, correlation_id=None):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    trace_id = str(uuid.uuid4())
    correlation_id = correlation_id or str(uuid.uuid4())
    desc = "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s" % (
        err.code, err.message, trace_id, correlation_id, now)
    return {"error": err.error, "error_description": desc, "error_codes": [err.code],
            "timestamp": now, "trace_id": trace_id, "correlation_id": correlation_id,
            "error_uri": "https://login.microsoftonline.com/error?code=%d" % err.code}


class AccessToken:
    __slots__ = ("tenant", "app", "roles", "iat", "exp", "forced_expired")

    def __init__(self, tenant, app, iat, exp):
        self.tenant, self.app, self.iat, self.exp = tenant, app, iat, exp
        self.roles = frozenset(app.permissions)
        self.forced_expired = False


class TokenStore:
    """Issued access tokens; the token string is the key."""

    def __init__(self, lifetime):
        self.lifetime = lifetime
        self.tokens = {}
        self.lock = threading.Lock()
        self.secret = os.urandom(32)
        self.expire_all_before = 0.0    # tokens issued before this moment count as expired
        self.expire_at = None           # (T) from the fault file: at T, tokens issued before T expire
        self.expire_next_issued = 0     # the next N issued tokens are born expired

    def issue(self, tenant, app, base_url):
        issued = time.time()
        now = int(issued)
        exp = now + self.lifetime
        header = {"typ": "JWT", "alg": "HS256", "kid": "driftward-emulator"}
        claims = {"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/%s/" % tenant.id,
                  "iat": now, "nbf": now, "exp": exp, "appid": app.client_id,
                  "app_displayname": app.display_name, "idtyp": "app", "oid": app.service_principal_id,
                  "roles": sorted(app.permissions), "sub": app.service_principal_id,
                  "tid": tenant.id, "uti": b64url_encode(os.urandom(16)), "ver": "1.0"}
        signing_input = "%s.%s" % (b64url_encode(json.dumps(header).encode()),
                                   b64url_encode(json.dumps(claims).encode()))
        sig = hmac.new(self.secret, signing_input.encode(), hashlib.sha256).digest()
        token = signing_input + "." + b64url_encode(sig)
        info = AccessToken(tenant, app, issued, exp)
        with self.lock:
            # A fault may ask for the next N tokens to be refused as expired although
            # their exp claim says otherwise (a clock skew or revocation in real life).
            if self.expire_next_issued > 0:
                self.expire_next_issued -= 1
                info.forced_expired = True
            self.tokens[token] = info
        return token, self.lifetime

    def lookup(self, token):
        """Return (AccessToken or None, error message or None)."""
        info = self.tokens.get(token)
        if info is None:
            if token.count(".") != 2:
                return None, "IDX14100: JWT is not well formed, there are no dots (.)."
            return None, "Access token validation failure. Invalid audience."
        now = time.time()
        expire_at = self.expire_at
        if info.forced_expired or info.exp <= now or info.iat < self.expire_all_before or \
                (expire_at is not None and now >= expire_at and info.iat < expire_at):
            return None, "Lifetime validation failed, the token is expired."
        return info, None

    def expire(self, token):
        info = self.tokens.get(token)
        if info is not None:
            info.forced_expired = True

    def expire_all(self):
        self.expire_all_before = time.time()

    def clear(self):
        with self.lock:
            self.tokens.clear()


def _require(form, name):
    value = form.get(name)
    if not value:
        raise TokenError(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: '%s'." % name)
    return value


def _check_assertion(tenant, app, assertion, token_url):
    try:
        header, claims, signing_input, sig = jwt_split(assertion)
    except (ValueError, UnicodeError):
        raise TokenError(400, "invalid_client", 50027,
                         "JWT token is invalid or malformed.") from None
    cert = app.find_certificate(header)
    if cert is None:
        thumb = header.get("x5t#S256") or header.get("x5t") or ""
        raise TokenError(401, "invalid_client", 700027,
                         "The certificate with identifier used to sign the client assertion is "
                         "not registered on application. [Reason - The key was not found., "
                         "Thumbprint of key used by client: '%s', Please visit the Azure Portal, "
                         "Graph Explorer or directly use MS Graph to see configured keys for app "
                         "Id '%s'.]" % (thumb, app.client_id))
    if not jwt_verify(cert, header, signing_input, sig):
        raise TokenError(401, "invalid_client", 7000274,
                         "Key was found, but use of the key to verify the signature failed.")
    _check_claims(claims, app, token_url, tenant)


def _check_claims(claims, app, token_url, tenant):
    now = time.time()
    if claims.get("iss") != claims.get("sub") or str(claims.get("iss", "")).lower() != app.client_id:
        raise TokenError(400, "invalid_client", 700021,
                         "Client assertion application identifier doesn't match 'client_id' "
                         "parameter. Review the documentation at "
                         "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .")
    accepted = {token_url, "https://login.microsoftonline.com/%s/oauth2/v2.0/token" % tenant.id}
    if claims.get("aud") not in accepted:
        raise TokenError(400, "invalid_client", 700212,
                         "No matching federated identity record found for presented assertion "
                         "audience '%s'." % claims.get("aud"))
    exp, nbf = claims.get("exp"), claims.get("nbf", 0)
    if not isinstance(exp, (int, float)) or exp <= now or not isinstance(nbf, (int, float)) \
            or nbf > now + 300:  # Entra allows five minutes of clock skew
        raise TokenError(400, "invalid_client", 700024,
                         "Client assertion is not within its valid time range. Current time: "
                         "%s, assertion valid from %s, expiry time of assertion %s."
                         % (_iso(now), _iso(nbf), _iso(exp)))
    if not claims.get("jti"):
        raise TokenError(400, "invalid_client", 50027, "JWT token is invalid or malformed.")


def _iso(value):
    try:
        return datetime.fromtimestamp(float(value), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
    except (TypeError, ValueError, OverflowError):
        return str(value)


def _authenticate(tenant, form, token_url):
    client_id = _require(form, "client_id").lower()
    app = tenant.apps.get(client_id)
    if app is None:
        raise TokenError(400, "unauthorized_client", 700016,
                         "Application with identifier '%s' was not found in the directory '%s'. "
                         "This can happen if the application has not been installed by the "
                         "administrator of the tenant or consented to by any user in the tenant. "
                         "You may have sent your authentication request to the wrong tenant."
                         % (client_id, tenant.name))
    if form.get("client_assertion_type") or form.get("client_assertion"):
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise TokenError(400, "invalid_request", 50027, "JWT token is invalid or malformed.")
        _check_assertion(tenant, app, _require(form, "client_assertion"), token_url)
    else:
        secret = form.get("client_secret")
        if not secret:
            raise TokenError(401, "invalid_client", 7000218,
                             "The request body must contain the following parameter: "
                             "'client_assertion' or 'client_secret'.")
        if not any(hmac.compare_digest(secret.encode(), s.encode()) for s in app.secrets):
            raise TokenError(401, "invalid_client", 7000215,
                             "Invalid client secret provided. Ensure the secret being sent in the "
                             "request is the client secret value, not the client secret ID, for a "
                             "secret added to app '%s'." % app.client_id)
    return app


def handle_token_request(state, store, tenant_name, form, token_url, base_url):
    """Return (status, body dict) for a token request."""
    try:
        tenant = state.tenant(tenant_name)
        if tenant is None:
            raise TokenError(400, "invalid_request", 90002,
                             "Tenant '%s' not found. Check to make sure you have the correct "
                             "tenant ID and are signing into the correct cloud. Check with your "
                             "subscription administrator, this may happen if there are no active "
                             "subscriptions for the tenant." % tenant_name)
        grant = _require(form, "grant_type")
        if grant != "client_credentials":
            raise TokenError(400, "unsupported_grant_type", 70003,
                             "The app requested an unsupported grant type '%s'." % grant)
        app = _authenticate(tenant, form, token_url)
        _check_scope(form.get("scope", ""), base_url)
        token, expires_in = store.issue(tenant, app, base_url)
        return 200, {"token_type": "Bearer", "expires_in": expires_in,
                     "ext_expires_in": expires_in, "access_token": token}
    except TokenError as err:
        return err.status, token_error_body(err)


def _check_scope(scope, base_url):
    """The Graph scope, or this emulator's own address + "/.default": a client
    configured with graph_url = the emulator asks for the scope of its Graph,
    as it would for a national cloud's (https://graph.microsoft.us/.default)."""
    if not scope:
        raise TokenError(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: 'scope'.")
    if scope.strip() not in (GRAPH_SCOPE, base_url.rstrip("/") + "/.default"):
        if scope.strip().startswith("https://graph.microsoft.com/") and \
                not scope.strip().endswith("/.default"):
            raise TokenError(400, "invalid_scope", 1002012,
                             "The provided value for scope %s is not valid. Client credential "
                             "flows must have a scope value with /.default suffixed to the "
                             "resource identifier (application ID URI)." % scope)
        raise TokenError(400, "invalid_scope", 70011,
                         "The provided value for the input parameter 'scope' isn't valid. "
                         "The scope %s isn't valid." % scope)
