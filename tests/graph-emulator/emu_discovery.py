"""The metadata documents MSAL-based clients fetch before asking for a token.

    GET /{tenant}/v2.0/.well-known/openid-configuration   OpenID provider metadata
    GET /common/discovery/instance?api-version=1.1&authorization_endpoint=...
    GET /{tenant}/discovery/v2.0/keys                      signing keys (none: our
                                                           tokens are opaque to clients)

MSAL fetches the OpenID configuration on every new authority (no option turns
it off) and instance discovery unless told not to; a client that cannot get
them never reaches the token endpoint.  Shapes follow login.microsoftonline.com:
a tenant named by a domain answers with its id in every endpoint, /common and
/organizations keep their name and an issuer with a {tenantid} placeholder, an
unknown tenant is 400 invalid_tenant (AADSTS90002).
"""

from urllib.parse import urlsplit

from emu_auth import TokenError, token_error_body

COMMON = ("common", "organizations", "consumers")


def route(method, path):
    """The document a path names: "openid", "instance", "keys" or None."""
    parts = path.split("/")
    if len(parts) == 5 and parts[2:] == ["v2.0", ".well-known", "openid-configuration"]:
        return "openid"
    if parts[1:] == ["common", "discovery", "instance"]:
        return "instance"
    if len(parts) == 5 and parts[2:] == ["discovery", "v2.0", "keys"]:
        return "keys"
    return None


def _tenant_segment(state, name):
    if name.lower() in COMMON:
        return name.lower(), "{tenantid}"
    tenant = state.tenant(name)
    if tenant is None:
        raise TokenError(400, "invalid_tenant", 90002,
                         "Tenant '%s' not found. Check to make sure you have the correct "
                         "tenant ID and are signing into the correct cloud." % name)
    return tenant.id, tenant.id


def openid_configuration(state, base, name):
    seg, tid = _tenant_segment(state, name)
    root = "%s/%s" % (base, seg)
    return {
        "token_endpoint": root + "/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                  "client_secret_basic"],
        "jwks_uri": root + "/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": "%s/%s/v2.0" % (base, tid),
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": root + "/oauth2/v2.0/authorize",
        "device_authorization_endpoint": root + "/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": root + "/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
                             "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat",
                             "auth_time", "acr", "nonce", "preferred_username", "name", "tid",
                             "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": root + "/kerberos",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def instance_discovery(base, query):
    """Where the authority's metadata is, and which host names are aliases."""
    if query.get("api-version") not in ("1.0", "1.1"):
        raise TokenError(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: "
                         "'api-version'.")
    tenant = "common"
    endpoint = query.get("authorization_endpoint")
    if endpoint:
        segs = urlsplit(endpoint).path.split("/")
        if len(segs) > 1 and segs[1]:
            tenant = segs[1]
    host = urlsplit(base).netloc
    return {"tenant_discovery_endpoint":
            "%s/%s/v2.0/.well-known/openid-configuration" % (base, tenant),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host,
                          "aliases": [host]}]}


def handle(kind, method, path, query, state, base):
    """Return (status, body dict)."""
    if method != "GET":
        return 405, {"error": "invalid_request", "error_description": "GET only"}
    try:
        if kind == "openid":
            return 200, openid_configuration(state, base, path.split("/")[1])
        if kind == "instance":
            return 200, instance_discovery(base, query)
        _tenant_segment(state, path.split("/")[1])
        return 200, {"keys": []}
    except TokenError as err:
        return err.status, token_error_body(err)
