package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
)

// The stages that consume Kafka through the batch transport: in exactly-once mode each replica needs a
// transactional id of its own that survives a restart, so that the new incarnation fences the old one.
var consumingStages = map[string]bool{"geolocation": true, "verification": true, "decision": true, "audit": true}

type workload struct {
	file, kind, name string
	replicas         int32
	pod              corev1.PodTemplateSpec
	selector         map[string]string
	serviceName      string // StatefulSet only
	annotations      map[string]string
}

// ingest's rate limits are counted by each pod on its own: each pod's limit must be the Deployment's intended
// limit (an annotation) divided by the replicas, rounded down (docs/operations.md, "Rate limits with replicas").
var ingestRateLimits = []struct{ annotation, env string }{
	{"clearance.dev/intended-rate-limit", "INGEST_RATE_LIMIT"},
	{"clearance.dev/intended-address-rate-limit", "INGEST_ADDRESS_RATE_LIMIT"},
	{"clearance.dev/intended-auth-failure-limit", "INGEST_AUTH_FAILURE_LIMIT"},
}

// Check returns every rule the set breaks, one line each.
func Check(set *Set) []string {
	var problems []string
	fail := func(o string, format string, args ...any) {
		problems = append(problems, o+": "+fmt.Sprintf(format, args...))
	}
	var works []workload
	var services []*corev1.Service
	var pdbs []*policyv1.PodDisruptionBudget
	configMaps := map[string]*corev1.ConfigMap{}
	secrets := map[string]*corev1.Secret{}
	for _, o := range set.Objects {
		switch v := o.Obj.(type) {
		case *appsv1.Deployment:
			works = append(works, workload{o.File, "Deployment", v.Name, replicas(v.Spec.Replicas), v.Spec.Template, matchLabels(v.Spec.Selector.MatchLabels), "", v.Annotations})
		case *appsv1.StatefulSet:
			works = append(works, workload{o.File, "StatefulSet", v.Name, replicas(v.Spec.Replicas), v.Spec.Template, matchLabels(v.Spec.Selector.MatchLabels), v.Spec.ServiceName, v.Annotations})
		case *corev1.Service:
			services = append(services, v)
		case *policyv1.PodDisruptionBudget:
			pdbs = append(pdbs, v)
		case *corev1.ConfigMap:
			configMaps[v.Name] = v
		case *corev1.Secret:
			secrets[v.Name] = v
		}
	}
	if len(works) == 0 {
		fail("set", "no Deployment or StatefulSet")
	}
	config := configMaps["clearance-config"]
	exactlyOnce := config != nil && config.Data["KAFKA_EXACTLY_ONCE"] == "true"
	if config != nil && config.Data["NODE_ENV"] == "production" {
		// the services refuse SASL without TLS in production; the manifests must not rely on PLAINTEXT either
		if config.Data["KAFKA_SSL"] != "true" || config.Data["KAFKA_SASL_MECHANISM"] == "" {
			fail("ConfigMap/clearance-config", "production must set KAFKA_SSL: 'true' and a KAFKA_SASL_MECHANISM")
		}
	}
	partitions := 0
	if config != nil {
		partitions, _ = strconv.Atoi(config.Data["KAFKA_TOPIC_PARTITIONS"])
	}

	for _, w := range works {
		id := fmt.Sprintf("%s %s/%s", w.file, w.kind, w.name)
		if len(w.selector) == 0 || !labels.SelectorFromSet(w.selector).Matches(labels.Set(w.pod.Labels)) {
			fail(id, "selector %v does not match the pod template's labels %v", w.selector, w.pod.Labels)
		}
		spec := w.pod.Spec
		if spec.SecurityContext == nil || spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot {
			fail(id, "pod securityContext.runAsNonRoot must be true")
		}
		if len(spec.Containers) == 0 {
			fail(id, "no containers")
		}
		volumes := map[string]corev1.Volume{}
		for _, v := range spec.Volumes {
			volumes[v.Name] = v
			if v.Secret == nil {
				continue
			}
			sec, ok := secrets[v.Secret.SecretName]
			if !ok {
				fail(id, "volume %s mounts Secret %q, which no manifest defines", v.Name, v.Secret.SecretName)
				continue
			}
			for _, item := range v.Secret.Items {
				if _, ok := sec.StringData[item.Key]; !ok {
					if _, ok := sec.Data[item.Key]; !ok {
						fail(id, "volume %s wants key %q that Secret %q does not have", v.Name, item.Key, sec.Name)
					}
				}
			}
		}
		stage := ""
		for _, c := range spec.Containers {
			cid := id + " container " + c.Name
			checkContainer(cid, c, fail)
			env := map[string]corev1.EnvVar{}
			order := map[string]int{}
			for i, e := range c.Env {
				env[e.Name] = e
				order[e.Name] = i
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					ref := e.ValueFrom.SecretKeyRef
					if s, ok := secrets[ref.Name]; !ok {
						fail(cid, "env %s reads Secret %q, which no manifest defines", e.Name, ref.Name)
					} else if _, ok := s.StringData[ref.Key]; !ok {
						if _, ok := s.Data[ref.Key]; !ok {
							fail(cid, "env %s reads key %q that Secret %q does not have", e.Name, ref.Key, ref.Name)
						}
					}
				}
			}
			files := map[string]string{}
			for _, from := range c.EnvFrom {
				if from.ConfigMapRef == nil {
					continue
				}
				cm := configMaps[from.ConfigMapRef.Name]
				if cm == nil {
					fail(cid, "envFrom ConfigMap %q is not defined", from.ConfigMapRef.Name)
					continue
				}
				for k, v := range cm.Data {
					if strings.HasSuffix(k, "_FILE") {
						files[k] = v
					}
				}
			}
			for _, e := range c.Env {
				if strings.HasSuffix(e.Name, "_FILE") && e.ValueFrom == nil {
					files[e.Name] = e.Value
				}
			}
			// a file the service reads at boot must be inside a volume of the pod, or the service stops at start
			for name, path := range files {
				if !underMount(c, volumes, path) {
					fail(cid, "%s=%s is not inside any volumeMount of the container", name, path)
				}
			}
			if s, ok := env["SERVICE"]; ok {
				stage = s.Value
			}
			if env["SERVICE"].Value == "ingest" {
				checkRateDivision(cid, w, env, fail)
			}
			if stages[env["SERVICE"].Value] {
				checkHeapCap(cid, w, c, env, fail)
			}
			if exactlyOnce && consumingStages[env["SERVICE"].Value] {
				pod, ok := env["POD_NAME"]
				if !ok || pod.ValueFrom == nil || pod.ValueFrom.FieldRef == nil || pod.ValueFrom.FieldRef.FieldPath != "metadata.name" {
					fail(cid, "exactly-once: POD_NAME must come from the downward API (fieldRef metadata.name)")
				}
				tx, ok := env["KAFKA_TRANSACTIONAL_ID"]
				if !ok || !strings.Contains(tx.Value, "$(POD_NAME)") {
					fail(cid, "exactly-once: KAFKA_TRANSACTIONAL_ID must be derived from $(POD_NAME), stable per replica")
				} else if order["KAFKA_TRANSACTIONAL_ID"] < order["POD_NAME"] {
					fail(cid, "exactly-once: POD_NAME must be declared before KAFKA_TRANSACTIONAL_ID, or $(POD_NAME) is not expanded")
				}
			}
		}
		if exactlyOnce && consumingStages[stage] {
			if w.kind != "StatefulSet" {
				fail(id, "exactly-once: a consuming stage must be a StatefulSet (a Deployment's pod names change on every restart, so its transactional ids would too)")
			} else if svc := findService(services, w.serviceName); svc == nil {
				fail(id, "serviceName %q is not a Service of the set", w.serviceName)
			} else if svc.Spec.ClusterIP != corev1.ClusterIPNone {
				fail(id, "serviceName %q must be a headless Service (clusterIP: None)", w.serviceName)
			}
		}
		// verification's registry cache sees only its own pod's writes until a re-read: fail closed with replicas
		if stage == "verification" && w.replicas > 1 && registryCacheOn(spec.Containers) {
			fail(id, "%d replicas with the registry cache on (REGISTRY_CACHE_REFRESH_MS not '0'): a revocation through one pod would be unseen by the others until their re-read", w.replicas)
		}
		if consumingStages[stage] && partitions > 0 && int(w.replicas) > partitions {
			fail(id, "%d replicas exceed the %d partitions: the extra consumers would stay idle", w.replicas, partitions)
		}
		covering := 0
		for _, p := range pdbs {
			if p.Spec.Selector != nil && labels.SelectorFromSet(p.Spec.Selector.MatchLabels).Matches(labels.Set(w.pod.Labels)) {
				covering++
			}
		}
		if covering != 1 {
			fail(id, "%d PodDisruptionBudgets select its pods; want exactly 1", covering)
		}
	}

	for _, s := range services {
		id := "Service/" + s.Name
		var matched *workload
		for i := range works {
			if len(s.Spec.Selector) > 0 && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(works[i].pod.Labels)) {
				matched = &works[i]
			}
		}
		if matched == nil {
			fail(id, "selector %v matches no workload", s.Spec.Selector)
			continue
		}
		for _, port := range s.Spec.Ports {
			if name := port.TargetPort.StrVal; name != "" && !hasPort(matched.pod.Spec, name) {
				fail(id, "targetPort %q is not a named port of %s", name, matched.name)
			}
		}
	}
	for _, p := range pdbs {
		if p.Spec.Selector == nil || len(p.Spec.Selector.MatchLabels) == 0 {
			fail("PodDisruptionBudget/"+p.Name, "no selector")
		}
	}
	return problems
}

func checkRateDivision(cid string, w workload, env map[string]corev1.EnvVar, fail func(string, string, ...any)) {
	for _, l := range ingestRateLimits {
		intended, err := strconv.Atoi(w.annotations[l.annotation])
		if err != nil || intended < 1 {
			fail(cid, "annotation %s must give the limit all %d replicas enforce together (a positive integer)", l.annotation, w.replicas)
			continue
		}
		e, ok := env[l.env]
		perPod, err := strconv.Atoi(e.Value)
		if !ok || e.ValueFrom != nil || err != nil || perPod < 1 {
			fail(cid, "%s must be set here as a positive integer: the per-pod share of %s", l.env, l.annotation)
			continue
		}
		if want := intended / int(w.replicas); perPod != want {
			fail(cid, "%s is %d per pod, but %d replicas must share %s=%d: set it to %d", l.env, perPod, w.replicas, l.annotation, intended, want)
		}
	}
}

var stages = map[string]bool{"ingest": true, "geolocation": true, "verification": true, "decision": true, "audit": true}

var oldSpaceFlag = regexp.MustCompile(`(?:^|\s)--max-old-space-size=(\d+)(?:\s|$)`)

// A service's NODE_OPTIONS keeps the image's --enable-source-maps. A V8 heap cap is optional (docs/operations.md,
// "Memory: heap caps": one below ~1 GiB halved the pipeline's throughput); one that is set, plus what the process
// holds outside the old generation (young generation, code, Buffers: the pod annotation
// clearance.dev/off-heap-memory, measured), must fit in the memory limit, or the kernel kills the pod before V8
// collects.
func checkHeapCap(cid string, w workload, c corev1.Container, env map[string]corev1.EnvVar, fail func(string, string, ...any)) {
	opts, ok := env["NODE_OPTIONS"]
	if !ok || opts.ValueFrom != nil {
		fail(cid, "NODE_OPTIONS must be set here (at least --enable-source-maps)")
		return
	}
	if !strings.Contains(opts.Value, "--enable-source-maps") {
		fail(cid, "NODE_OPTIONS replaces the image's --enable-source-maps: keep it")
	}
	m := oldSpaceFlag.FindStringSubmatch(opts.Value)
	if m == nil {
		return
	}
	offHeap, err := resource.ParseQuantity(w.pod.Annotations["clearance.dev/off-heap-memory"])
	if err != nil || offHeap.IsZero() {
		fail(cid, "pod annotation clearance.dev/off-heap-memory must give the memory the service holds outside its old generation (e.g. 96Mi)")
		return
	}
	capMiB, _ := strconv.ParseInt(m[1], 10, 64)
	lim := c.Resources.Limits.Memory()
	if need := capMiB*1024*1024 + offHeap.Value(); !lim.IsZero() && need > lim.Value() {
		fail(cid, "--max-old-space-size=%d plus clearance.dev/off-heap-memory %s is %dMi, above the memory limit %s", capMiB, offHeap.String(), need/(1024*1024), lim)
	}
}

func checkContainer(cid string, c corev1.Container, fail func(string, string, ...any)) {
	req, lim := c.Resources.Requests, c.Resources.Limits
	if req.Cpu().IsZero() || req.Memory().IsZero() {
		fail(cid, "resources.requests must set cpu and memory")
	}
	if lim.Memory().IsZero() {
		fail(cid, "resources.limits must set memory")
	} else if lim.Memory().Cmp(*req.Memory()) < 0 {
		fail(cid, "memory limit %s is below the request %s", lim.Memory(), req.Memory())
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/health/ready" {
		fail(cid, "readinessProbe must GET /health/ready")
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/health/live" {
		fail(cid, "livenessProbe must GET /health/live")
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		fail(cid, "securityContext must set readOnlyRootFilesystem: true and allowPrivilegeEscalation: false")
	}
}

func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func matchLabels(m map[string]string) map[string]string { return m }

func findService(services []*corev1.Service, name string) *corev1.Service {
	for _, s := range services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func hasPort(spec corev1.PodSpec, name string) bool {
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

func underMount(c corev1.Container, volumes map[string]corev1.Volume, path string) bool {
	for _, m := range c.VolumeMounts {
		if _, ok := volumes[m.Name]; !ok {
			continue
		}
		dir := strings.TrimSuffix(m.MountPath, "/") + "/"
		if strings.HasPrefix(path, dir) {
			return true
		}
	}
	return false
}

func registryCacheOn(containers []corev1.Container) bool {
	for _, c := range containers {
		for _, e := range c.Env {
			if e.Name == "REGISTRY_CACHE_REFRESH_MS" && e.Value == "0" {
				return false
			}
		}
	}
	return true
}
