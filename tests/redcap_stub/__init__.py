"""A stub REDCap server, and the service with the REDCap trigger, for the live tests."""
