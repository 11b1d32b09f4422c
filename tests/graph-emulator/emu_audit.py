"""Audit records for writes, so tests can check "who changed it".

A write through the emulator adds, newest first, a directoryAudit (Entra and
SharePoint routes, /v1.0/auditLogs/directoryAudits) or an Intune auditEvent
(/v1.0/deviceManagement/auditEvents) naming the calling app as initiator,
with the changed top-level properties as modifiedProperties.
"""

import json
import uuid

from emu_state import Collection

DIRECTORY_AUDITS = ("v1.0", "/auditlogs/directoryaudits")
INTUNE_AUDITS = ("v1.0", "/devicemanagement/auditevents")


def _changes(old, new):
    old, new = old or {}, new or {}
    out = []
    for key in sorted(set(old) | set(new)):
        if key.startswith("@") or old.get(key) == new.get(key):
            continue
        out.append({"displayName": key,
                    "oldValue": json.dumps(old.get(key)) if key in old else None,
                    "newValue": json.dumps(new.get(key)) if key in new else None})
    return out


def _name(route, obj):
    obj = obj or {}
    return obj.get("displayName") or obj.get("name") or obj.get(route.key) or \
        route.path.rpartition("/")[2]


class AuditWriter:
    def __init__(self, now_iso):
        self.now_iso = now_iso

    def record(self, req, tenant, route, op, old, new):
        if route.service == "intune":
            self._intune(req, tenant, route, op, old, new)
        else:
            self._directory(req, tenant, route, op, old, new)

    def _directory(self, req, tenant, route, op, old, new):
        coll = tenant.resources.get(DIRECTORY_AUDITS)
        if not isinstance(coll, Collection):
            return
        app = req.token.app
        obj = new or old
        audit = route.audit
        entry = {
            "id": "Directory_%s" % uuid.uuid4(),
            "category": audit.get("category", "Policy"),
            "correlationId": req.client_request_id,
            "result": "success", "resultReason": "",
            "activityDisplayName": "%s %s" % (op, audit.get("noun", "object")),
            "activityDateTime": self.now_iso(),
            "loggedByService": audit.get("service", "Core Directory"),
            "operationType": op,
            "initiatedBy": {"user": None, "app": {
                "appId": app.client_id, "displayName": app.display_name,
                "servicePrincipalId": app.service_principal_id,
                "servicePrincipalName": app.display_name}},
            "targetResources": [{
                "id": str((obj or {}).get(route.key, "")), "displayName": _name(route, obj),
                "type": "Policy", "userPrincipalName": None, "groupType": None,
                "modifiedProperties": _changes(old, new)}],
            "additionalDetails": [{"key": "graphPath", "value": req.version + req.path}],
        }
        tenant.own(coll).prepend(entry)

    def _intune(self, req, tenant, route, op, old, new):
        coll = tenant.resources.get(INTUNE_AUDITS)
        if not isinstance(coll, Collection):
            return
        app = req.token.app
        obj = new or old
        noun = route.audit.get("noun", "Object")
        verb = {"Add": "Create", "Update": "Patch", "Delete": "Delete", "Assign": "Assign"}[op]
        if req.method == "PUT":
            verb = "Put"
        entry = {
            "id": str(uuid.uuid4()),
            "displayName": "%s %s" % (verb, noun),
            "componentName": route.audit.get("component", noun),
            "actor": {"type": "ItPro", "auditActorType": "ItPro", "userPermissions": ["*"],
                      "applicationId": app.client_id, "applicationDisplayName": app.display_name,
                      "userPrincipalName": None, "servicePrincipalName": app.display_name,
                      "ipAddress": "127.0.0.1", "userId": None},
            "activity": None,
            "activityDateTime": self.now_iso(),
            "activityType": "%s %s" % (verb, noun),
            "activityOperationType": verb,
            "activityResult": "Success",
            "correlationId": req.client_request_id,
            "resources": [{"displayName": _name(route, obj), "type": noun,
                           "auditResourceType": noun,
                           "resourceId": str((obj or {}).get(route.key, "")),
                           "modifiedProperties": _changes(old, new)}],
            "category": route.audit.get("category", "DeviceConfiguration"),
        }
        tenant.own(coll).prepend(entry)
