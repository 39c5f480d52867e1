{{- define "stratus.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "stratus.labels" -}}
app.kubernetes.io/part-of: stratus
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "stratus.env" -}}
- name: HOST
  value: "0.0.0.0"
- name: PORT
  value: "8080"
- name: SHUTDOWN_GRACE_MS
  value: {{ mul .Values.shutdownGraceSeconds 1000 | quote }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The console's gateway reaches each service through its cluster Service (port 80). */}}
{{- define "stratus.consoleEnv" -}}
{{- range $upstream := list "ingestion" "cost" "recommendation" "action-executor" "audit" }}
- name: CONSOLE_{{ $upstream | upper | replace "-" "_" }}_URL
  value: http://{{ $.Release.Name }}-{{ $upstream }}
{{- end }}
- name: CONSOLE_SECURE_COOKIES
  value: {{ $.Values.console.secureCookies | quote }}
- name: CONSOLE_SESSION_IDLE_MINUTES
  value: {{ $.Values.console.sessionIdleMinutes | quote }}
- name: CONSOLE_SESSION_ABSOLUTE_HOURS
  value: {{ $.Values.console.sessionAbsoluteHours | quote }}
- name: TRUST_PROXY
  value: {{ $.Values.console.trustProxy | quote }}
{{- $publicUrl := $.Values.console.publicUrl | default (and $.Values.console.ingress.enabled $.Values.console.ingress.host (printf "https://%s" $.Values.console.ingress.host)) }}
{{- if $publicUrl }}
- name: CONSOLE_PUBLIC_URL
  value: {{ $publicUrl | quote }}
{{- end }}
{{- end -}}
