/** A job's id: 9 random bytes in base64url (JobRecords.newId), so 12 characters. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{12}$/;
