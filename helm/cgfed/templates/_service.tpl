{{/* Deployment + Service + PDB of a stateless service:
     (dict "ctx" $ "component" "registry" "image" "experiment-registry" "port" 8083 "v" .Values.registry
           "keys" (list ...) "env" (dict ...)) */}}
{{- define "cgfed.statelessService" -}}
{{- $ctx := .ctx -}}
{{- $full := include "cgfed.fullname" $ctx -}}
{{- $v := .v -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $full }}-{{ .component }}
  labels:
    {{- include "cgfed.labels" $ctx | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  replicas: {{ $v.replicas }}
  selector:
    matchLabels:
      {{- include "cgfed.selector" (dict "ctx" $ctx "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "cgfed.labels" $ctx | nindent 8 }}
        app.kubernetes.io/component: {{ .component }}
      annotations:
        checksum/config: {{ include (print $ctx.Template.BasePath "/configmap.yaml") $ctx | sha256sum }}
    spec:
      {{- include "cgfed.pod" $ctx | nindent 6 }}
      {{- include "cgfed.scheduling" $v | nindent 6 }}
      containers:
        - name: {{ .component }}
          image: {{ include "cgfed.image" (dict "ctx" $ctx "service" .image) }}
          imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
          securityContext:
            {{- toYaml $ctx.Values.securityContext | nindent 12 }}
          ports:
            - name: http
              containerPort: {{ .port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $full }}-config
          env:
            - name: PORT
              value: {{ .port | quote }}
            {{- include "cgfed.extraEnv" .env | nindent 12 }}
            {{- include "cgfed.secretEnv" (dict "ctx" $ctx "keys" .keys) | nindent 12 }}
            {{- include "cgfed.extraEnv" $v.env | nindent 12 }}
          {{- include "cgfed.probes" $ctx | nindent 10 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: djl-cache
              mountPath: /var/cache/djl
      volumes:
        - name: tmp
          emptyDir: {}
        - name: djl-cache
          emptyDir: {}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $full }}-{{ .component }}
  labels:
    {{- include "cgfed.labels" $ctx | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  type: ClusterIP
  selector:
    {{- include "cgfed.selector" (dict "ctx" $ctx "component" .component) | nindent 4 }}
  ports:
    - name: http
      port: {{ .port }}
      targetPort: http
      protocol: TCP
{{- if $v.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $full }}-{{ .component }}
  labels:
    {{- include "cgfed.labels" $ctx | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  maxUnavailable: {{ $v.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "cgfed.selector" (dict "ctx" $ctx "component" .component) | nindent 6 }}
{{- end }}
{{- end -}}
