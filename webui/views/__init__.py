"""The panel's blueprints, one per area: auth, caseload, household, inbox, admin and the JSON api."""
