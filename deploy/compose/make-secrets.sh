#!/usr/bin/env bash
# Generates every credential deploy/compose.yaml needs into deploy/compose/secrets/ (git-ignored) and prints the
# bearer tokens once: the services keep only their SHA-256 (docs/operations.md, "Credentials").
# Existing files are kept. To regenerate, delete a group: mongo.env (with verification.env, audit.env,
# ingest-mongo.env: rotating
# MongoDB passwords on an initialised volume also needs db.updateUser), auditor-tokens (with ingest.env),
# ingest-api-keys.yaml, admin-tokens, mongo-keyfile.
# Needs: openssl, sha256sum.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets"
mkdir -p "$dir"
umask 077

token() { openssl rand -hex 32; }           # 256 bits, URL- and header-safe
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
fresh() { [[ ! -e "$dir/$1" ]]; }
say() { printf '%s\n' "$*"; }

if fresh mongo-keyfile; then
  openssl rand -base64 756 > "$dir/mongo-keyfile"
fi

if fresh mongo.env; then
  verification_pw=$(token) audit_pw=$(token) ingest_pw=$(token)
  cat > "$dir/mongo.env" <<EOF
MONGO_INITDB_ROOT_USERNAME=root
MONGO_INITDB_ROOT_PASSWORD=$(token)
MONGO_VERIFICATION_PASSWORD=$verification_pw
MONGO_AUDIT_PASSWORD=$audit_pw
MONGO_INGEST_PASSWORD=$ingest_pw
EOF
  cat > "$dir/verification.env" <<EOF
MONGODB_URI=mongodb://clearance_verification:$verification_pw@mongo:27017/clearance_verification?replicaSet=rs0&authSource=clearance_verification&w=majority&journal=true
KYC_WEBHOOK_SECRET=$(token)
EOF
  cat > "$dir/audit.env" <<EOF
MONGODB_URI=mongodb://clearance_audit:$audit_pw@mongo:27017/clearance_audit?replicaSet=rs0&authSource=clearance_audit&w=majority&journal=true&readConcernLevel=majority
AUDIT_CHAIN_KEY=$(token)
EOF
  # ingest's idempotency claims, shared by its replicas
  cat > "$dir/ingest-mongo.env" <<EOF
MONGODB_URI=mongodb://clearance_ingest:$ingest_pw@mongo:27017/clearance_ingest?replicaSet=rs0&authSource=clearance_ingest&w=majority&journal=true
EOF
  say "verification KYC webhook secret (give it to the KYC provider): $(sed -n 's/^KYC_WEBHOOK_SECRET=//p' "$dir/verification.env")"
fi

# Tokens: the plaintext is printed once, only the hash is stored (except ingest's own auditor token, which
# ingest must present to audit).
if fresh ingest-api-keys.yaml; then
  key=$(token)
  printf -- '- name: gateway\n  sha256: %s\n' "$(sha "$key")" > "$dir/ingest-api-keys.yaml"
  say "ingest API key of client 'gateway': $key"
fi
if fresh admin-tokens; then
  tok=$(token)
  printf '# name:sha256hex per line (no commas in comments: commas separate entries too)\nops:%s\n' "$(sha "$tok")" > "$dir/admin-tokens"
  say "verification admin token of 'ops': $tok"
fi
if fresh auditor-tokens || fresh ingest.env; then
  tok=$(token) ingest_tok=$(token)
  printf '# name:sha256hex per line (no commas in comments: commas separate entries too)\nauditor:%s\ningest:%s\n' "$(sha "$tok")" "$(sha "$ingest_tok")" \
    > "$dir/auditor-tokens"
  printf 'AUDIT_TOKEN=%s\n' "$ingest_tok" > "$dir/ingest.env"
  say "audit auditor token of 'auditor': $tok"
fi

# The services run as uid 1000 and read the mounted token files; these hold hashes, not tokens.
chmod 0644 "$dir/ingest-api-keys.yaml" "$dir/admin-tokens" "$dir/auditor-tokens"
say "secrets in $dir"
