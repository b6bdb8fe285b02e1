#!/usr/bin/env bash
# Writes a config repository of $2 stacks (500 by default) to $1 and commits it: stacks/<name>/compose.yaml
# shaped like the files people run, five shapes in turn, each varied by the stack's number:
#   webapp     an application with ./data and ./config binds, an env_file, a .env, a health check, a
#              postgres database it waits for (service_healthy), a redis every third stack, log options
#              shared through an x- anchor;
#   database   mariadb with an init directory, resources, ulimits and a stop grace period, an adminer in
#              a profile;
#   proxy      nginx with a config from the repository, traefik-style labels on two backends (a $$
#              escaped password hash), front and back networks, two published ports;
#   worker     an api and two workers from one `<<:` merge anchor, list-style environment, read-only root,
#              tmpfs, cap_drop, no-new-privileges, a non-root user, short depends_on;
#   monitoring prometheus with its ./prometheus.yml and flags, grafana with an env_file of the
#              repository's shared/ directory, named volumes, health checks.
# Deterministic: the same arguments give the same files and the same commit. Every published port is
# on 127.0.0.1 and distinct (20000 + 2 x the stack's number), so no two stacks collide.
# Usage: bench/validate/generate-repo.sh <dir> [stacks=500]
set -euo pipefail
repo=$1
count=${2:-500}
mkdir -p "$repo/shared"
cat > "$repo/shared/grafana.env" <<'EOF'
# Shared by every monitoring stack.
GF_SECURITY_ADMIN_USER=admin
GF_USERS_ALLOW_SIGN_UP=false
GF_ANALYTICS_REPORTING_ENABLED=false
EOF

logging_anchor() {
  cat <<'EOF'
x-logging: &logging
  driver: json-file
  options:
    max-size: "10m"
    max-file: "3"

EOF
}

webapp() {
  local n=$1 i=$2 port=$3 dir=$4
  {
    echo "# $n: a web application and its database"
    logging_anchor
    cat <<EOF
services:
  app:
    image: ghcr.io/example/app-$n:1.$((i % 20)).$((i % 7))
    restart: unless-stopped
    env_file:
      - app.env
    environment:
      APP_URL: https://$n.example.test
      DATABASE_URL: postgres://app:\${DB_PASSWORD}@db:5432/app
      TZ: \${TZ:-UTC}
      WORKERS: $((1 + i % 4))
    ports:
      - "127.0.0.1:$port:8080"
    volumes:
      - ./data:/var/lib/app
      - ./config/app.yaml:/etc/app/app.yaml:ro
    depends_on:
      db:
        condition: service_healthy
EOF
    if (( i % 3 == 0 )); then
      echo "      redis:"
      echo "        condition: service_started"
    fi
    cat <<EOF
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"]
      interval: 30s
      timeout: 5s
      retries: 3
      start_period: 20s
    logging: *logging
  db:
    image: postgres:$((13 + i % 4))-alpine
    restart: unless-stopped
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: \${DB_PASSWORD}
      POSTGRES_DB: app
    volumes:
      - db-data:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U app -d app"]
      interval: 10s
      timeout: 5s
      retries: 5
    logging: *logging
EOF
    if (( i % 3 == 0 )); then
      cat <<EOF
  redis:
    image: redis:7-alpine
    command: ["redis-server", "--appendonly", "yes", "--maxmemory", "$((64 + i % 5 * 32))mb"]
    volumes:
      - redis-data:/data
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 10s
EOF
    fi
    echo
    echo "volumes:"
    echo "  db-data:"
    if (( i % 3 == 0 )); then echo "  redis-data:"; fi
  } > "$dir/compose.yaml"
  printf 'DB_PASSWORD=pw-%s-%04d\nTZ=Europe/Zurich\n' "$n" "$((i * 7919 % 10000))" > "$dir/.env"
  printf '# settings of %s\nLOG_LEVEL=info\nSESSION_TTL=%dm\nMAIL_FROM=noreply@%s.example.test\n' \
    "$n" "$((30 + i % 90))" "$n" > "$dir/app.env"
  mkdir -p "$dir/config"
  printf 'listen: 0.0.0.0:8080\nstorage: /var/lib/app\nfeatures:\n  search: %s\n' \
    "$( (( i % 2 )) && echo true || echo false)" > "$dir/config/app.yaml"
}

database() {
  local n=$1 i=$2 port=$3 dir=$4
  cat > "$dir/compose.yaml" <<EOF
# $n: a database with an admin page (profile "admin")
name: $n
services:
  mariadb:
    image: mariadb:10.$((6 + i % 6))
    restart: always
    command:
      - --character-set-server=utf8mb4
      - --collation-server=utf8mb4_unicode_ci
      - --max-connections=$((100 + i % 10 * 50))
    environment:
      MARIADB_ROOT_PASSWORD: \${ROOT_PASSWORD:?set ROOT_PASSWORD in .env}
      MARIADB_DATABASE: ${n//-/_}
      MARIADB_USER: app
      MARIADB_PASSWORD: \${APP_PASSWORD}
    volumes:
      - mariadb:/var/lib/mysql
      - ./initdb:/docker-entrypoint-initdb.d:ro
    ports:
      - "127.0.0.1:$port:3306"
    healthcheck:
      test: ["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"]
      interval: 10s
      timeout: 5s
      retries: 3
    deploy:
      resources:
        limits:
          memory: $((256 + i % 4 * 256))m
          cpus: "1.5"
        reservations:
          memory: 128m
    ulimits:
      nofile:
        soft: 65536
        hard: 65536
    stop_grace_period: 1m
  adminer:
    image: adminer:4
    profiles: ["admin"]
    ports:
      - "127.0.0.1:$((port + 1)):8080"
    environment:
      ADMINER_DEFAULT_SERVER: mariadb
    depends_on:
      - mariadb

volumes:
  mariadb:
EOF
  printf 'ROOT_PASSWORD=root-%04d\nAPP_PASSWORD=app-%04d\n' "$((i * 31 % 10000))" "$((i * 17 % 10000))" \
    > "$dir/.env"
  mkdir -p "$dir/initdb"
  printf 'CREATE TABLE IF NOT EXISTS item (id INT PRIMARY KEY, name VARCHAR(%d));\n' "$((64 + i % 64))" \
    > "$dir/initdb/01-schema.sql"
}

proxy() {
  local n=$1 i=$2 port=$3 dir=$4
  cat > "$dir/compose.yaml" <<EOF
# $n: a reverse proxy in front of two services, routed by labels
services:
  proxy:
    image: nginx:1.$((21 + i % 6))-alpine
    restart: unless-stopped
    ports:
      - "127.0.0.1:$port:80"
      - "127.0.0.1:$((port + 1)):443"
    volumes:
      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro
      - ./nginx/conf.d:/etc/nginx/conf.d:ro
      - certs:/etc/nginx/certs
    networks:
      - front
      - back
    depends_on:
      - whoami
      - dashboard
    healthcheck:
      test: ["CMD-SHELL", "wget -q --spider http://127.0.0.1/ || exit 1"]
      interval: 15s
  whoami:
    image: traefik/whoami:v1.$((8 + i % 3))
    networks:
      back:
        aliases:
          - who-$n
    labels:
      traefik.enable: "true"
      traefik.http.routers.$n-who.rule: Host(\`who.$n.example.test\`)
      traefik.http.routers.$n-who.entrypoints: websecure
      traefik.http.routers.$n-who.tls.certresolver: letsencrypt
      traefik.http.services.$n-who.loadbalancer.server.port: "80"
  dashboard:
    image: ghcr.io/example/dashboard:$((i % 9)).$((i % 4))
    networks:
      - back
    labels:
      - "traefik.enable=true"
      - "traefik.http.routers.$n-dash.rule=Host(\`dash.$n.example.test\`) && PathPrefix(\`/\`)"
      - "traefik.http.routers.$n-dash.middlewares=$n-auth"
      - "traefik.http.middlewares.$n-auth.basicauth.users=admin:\$\$apr1\$\$$(printf '%08x' $((i * 2654435761 % 4294967296)))\$\$Qn0w2vZ3c1eR"
      - "com.example.owner=team-$((i % 12))"
    environment:
      - DASHBOARD_TITLE=$n
      - DASHBOARD_THEME=dark
    extra_hosts:
      - "metrics.internal:10.$((i % 250)).0.1"

networks:
  front:
  back:
    internal: true

volumes:
  certs:
EOF
  mkdir -p "$dir/nginx/conf.d"
  printf 'events {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n}\n' > "$dir/nginx/nginx.conf"
  printf 'server {\n  listen 80;\n  server_name who.%s.example.test;\n  location / { proxy_pass http://whoami:80; }\n}\n' \
    "$n" > "$dir/nginx/conf.d/whoami.conf"
}

worker() {
  local n=$1 i=$2 port=$3 dir=$4
  cat > "$dir/compose.yaml" <<EOF
# $n: an api and its queue workers
x-worker: &worker
  image: ghcr.io/example/jobs:2.$((i % 11))
  restart: on-failure:5
  read_only: true
  tmpfs:
    - /tmp
  user: "1000:1000"
  cap_drop:
    - ALL
  security_opt:
    - no-new-privileges:true
  environment:
    - QUEUE_URL=redis://queue:6379/0
    - LOG_FORMAT=json
    - CONCURRENCY=$((2 + i % 6))
  depends_on:
    - queue

services:
  api:
    <<: *worker
    command: ["jobs", "serve", "--listen", ":8000"]
    ports:
      - "127.0.0.1:$port:8000"
    healthcheck:
      test: ["CMD", "jobs", "health"]
      interval: 20s
      retries: 3
  worker-default:
    <<: *worker
    command: ["jobs", "work", "--queue", "default"]
    deploy:
      replicas: $((1 + i % 3))
  worker-mail:
    <<: *worker
    command: jobs work --queue mail --rate 10/s
    stop_signal: SIGINT
  queue:
    image: redis:7.$((i % 3))-alpine
    command: redis-server --save 60 1 --loglevel warning
    volumes:
      - ./data/queue:/data
    healthcheck:
      test: ["CMD-SHELL", "redis-cli ping | grep PONG"]
      interval: 5s
      timeout: 3s
      retries: 5
EOF
}

monitoring() {
  local n=$1 i=$2 port=$3 dir=$4
  cat > "$dir/compose.yaml" <<EOF
# $n: metrics and dashboards
services:
  prometheus:
    image: prom/prometheus:v2.$((45 + i % 10)).0
    restart: unless-stopped
    command:
      - --config.file=/etc/prometheus/prometheus.yml
      - --storage.tsdb.path=/prometheus
      - --storage.tsdb.retention.time=$((7 + i % 24))d
      - --web.enable-lifecycle
    volumes:
      - ./prometheus.yml:/etc/prometheus/prometheus.yml:ro
      - prometheus:/prometheus
    ports:
      - "127.0.0.1:$port:9090"
    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:9090/-/healthy"]
      interval: 30s
  grafana:
    image: grafana/grafana:10.$((i % 5)).0
    restart: unless-stopped
    env_file:
      - ../../shared/grafana.env
    environment:
      GF_SECURITY_ADMIN_PASSWORD: \${GRAFANA_PASSWORD:-changeme}
      GF_SERVER_ROOT_URL: https://grafana.$n.example.test
    volumes:
      - grafana:/var/lib/grafana
      - ./provisioning:/etc/grafana/provisioning:ro
    ports:
      - "127.0.0.1:$((port + 1)):3000"
    depends_on:
      prometheus:
        condition: service_healthy

volumes:
  prometheus:
  grafana:
EOF
  printf 'global:\n  scrape_interval: %ds\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ["localhost:9090"]\n' \
    "$((10 + i % 50))" > "$dir/prometheus.yml"
  mkdir -p "$dir/provisioning/datasources"
  printf 'apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n    url: http://prometheus:9090\n' \
    > "$dir/provisioning/datasources/prometheus.yaml"
}

shapes=(webapp database proxy worker monitoring)
for ((i = 0; i < count; i++)); do
  shape=${shapes[i % 5]}
  name=$(printf 's%03d-%s' "$i" "$shape")
  dir=$repo/stacks/$name
  mkdir -p "$dir"
  "$shape" "$name" "$i" "$((20000 + 2 * i))" "$dir"
done

export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.test GIT_COMMITTER_NAME=bench \
  GIT_COMMITTER_EMAIL=bench@example.test GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" commit -q -m "$count generated stacks"
