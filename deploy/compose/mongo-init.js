// Runs once, on the first start of the mongo container (empty data volume), before the replica set exists.
// One user per service with readWrite on its own database only (indexes are created by the services at start);
// passwords come from compose/secrets/mongo.env (make-secrets.sh).
const users = [
  {
    user: 'clearance_verification',
    db: 'clearance_verification',
    password: process.env.MONGO_VERIFICATION_PASSWORD,
  },
  { user: 'clearance_audit', db: 'clearance_audit', password: process.env.MONGO_AUDIT_PASSWORD },
  // idempotency claims shared by the ingest replicas
  { user: 'clearance_ingest', db: 'clearance_ingest', password: process.env.MONGO_INGEST_PASSWORD },
];
for (const u of users) {
  if (!u.password) throw new Error(`no password for ${u.user}: run deploy/compose/make-secrets.sh`);
  db.getSiblingDB(u.db).createUser({
    user: u.user,
    pwd: u.password,
    roles: [{ role: 'readWrite', db: u.db }],
  });
}
