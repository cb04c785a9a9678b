# Sourced by run.sh and cold-storm.sh: the bench's one self-signed certificate, and wsroute's routes file serving it.

bench_certificate() {  # dir -> dir/tls.crt and dir/tls.key: ECDSA P-256 for localhost / 127.0.0.1, valid 2 days
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$1/tls.key" -out "$1/tls.crt" 2>/dev/null
}

serve_certificate() {  # routes-file dir -> the file's route serves dir/tls.crt (Secret bench-tls)
  # the route has no hosts, so its certificate is the default one (served without SNI too)
  sed -i 's/^spec:$/spec:\n  tls: {secretName: bench-tls}/' "$1"
  cat >> "$1" <<YAML
---
apiVersion: v1
kind: Secret
metadata: {name: bench-tls, namespace: default}
type: kubernetes.io/tls
data:
  tls.crt: $(base64 -w0 < "$2/tls.crt")
  tls.key: $(base64 -w0 < "$2/tls.key")
YAML
}
