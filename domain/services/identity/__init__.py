"""Identity commands (Keystone's): `core` (projects, users, roles, assignments, revocation),
then one module per resource (domains, groups, trusts, credentials, application credentials,
the catalog, OS-INHERIT, OS-OAUTH1, endpoint groups, policies, domain configs), `passwords` (the
login check) and `role_resolution` (from held roles to what a token carries)."""
