{{/* Common labels of every object of the release. */}}
{{- define "pt.labels" -}}
app.kubernetes.io/part-of: patient-twin
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{/* An image reference with a pinned tag: an empty tag or "latest" fails the rendering. */}}
{{- define "pt.image" -}}
{{- if or (not .tag) (eq (toString .tag) "latest") -}}
{{- fail (printf "image %s must have a pinned tag (not empty, not latest)" .repository) -}}
{{- end -}}
{{ .repository }}:{{ .tag }}
{{- end -}}

{{/* The restricted pod security context: non-root, no privilege escalation, read-only root. */}}
{{- define "pt.podSecurity" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "pt.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* The JSON-RPC URL of the chain inside the cluster. */}}
{{- define "pt.rpcUrl" -}}
http://{{ .Release.Name }}-besu-rpc:{{ .Values.besu.rpcPort }}
{{- end -}}

{{- define "pt.issuer" -}}
{{- if eq .Values.keycloak.mode "bundled" -}}
{{ .Values.keycloak.bundled.hostname }}/realms/patient-twin
{{- else -}}
{{ required "keycloak.issuer is required with an external Keycloak" .Values.keycloak.issuer }}
{{- end -}}
{{- end -}}

{{- define "pt.jdbcUrl" -}}
{{- if eq .Values.database.mode "bundled" -}}
jdbc:postgresql://{{ .Release.Name }}-postgresql:5432/patienttwin?reWriteBatchedInserts=true
{{- else -}}
{{ required "database.url is required with an external database" .Values.database.url }}
{{- end -}}
{{- end -}}
