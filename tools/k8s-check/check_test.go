package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const manifests = "../../deploy/k8s"

// copyWith copies the project's manifests into a temporary directory, replacing old with new in one file.
// copyWithin replaces old by new in file of an already copied directory.
func copyWithin(t *testing.T, dir, file, old, new string) string {
	t.Helper()
	path := filepath.Join(dir, file)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(raw), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyWith(t *testing.T, file, old, new string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(manifests)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(manifests, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return copyWithin(t, dir, file, old, new)
}

func problemsOf(t *testing.T, dir string) []string {
	t.Helper()
	set, err := LoadSet(dir)
	if err != nil {
		return []string{err.Error()}
	}
	return Check(set)
}

func expectProblem(t *testing.T, problems []string, want string) {
	t.Helper()
	for _, p := range problems {
		if strings.Contains(p, want) {
			return
		}
	}
	t.Fatalf("want a problem containing %q, got %q", want, problems)
}

func TestTheProjectManifestsPass(t *testing.T) {
	if p := problemsOf(t, manifests); len(p) > 0 {
		t.Fatalf("deploy/k8s: %q", p)
	}
}

func TestAMisspeltFieldIsRefused(t *testing.T) {
	dir := copyWith(t, "decision.yaml", "terminationGracePeriodSeconds:", "terminationGracePeriodSecond:")
	expectProblem(t, problemsOf(t, dir), `unknown field "spec.template.spec.terminationGracePeriodSecond"`)
}

func TestAWrongTypeIsRefused(t *testing.T) {
	dir := copyWith(t, "ingest.yaml", "replicas: 3", "replicas: three")
	expectProblem(t, problemsOf(t, dir), "ingest.yaml")
}

func TestAConsumingStageAsDeploymentIsRefusedInExactlyOnceMode(t *testing.T) {
	dir := copyWith(t, "decision.yaml", "kind: StatefulSet", "kind: Deployment")
	// a Deployment has no serviceName: the strict decoder refuses it before the rule does
	expectProblem(t, problemsOf(t, dir), "decision.yaml")
	dir = copyWith(t, "decision.yaml", "kind: StatefulSet\n", "kind: Deployment\n")
	raw, _ := os.ReadFile(filepath.Join(dir, "decision.yaml"))
	text := strings.NewReplacer("  serviceName: decision-pods\n", "", "  podManagementPolicy: Parallel\n", "",
		"  updateStrategy:\n    type: RollingUpdate\n", "").Replace(string(raw))
	if err := os.WriteFile(filepath.Join(dir, "decision.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	expectProblem(t, problemsOf(t, dir), "a consuming stage must be a StatefulSet")
}

func TestATransactionalIdNotFromThePodNameIsRefused(t *testing.T) {
	dir := copyWith(t, "geolocation.yaml", "value: 'clearance-$(POD_NAME)'", "value: 'clearance-geolocation'")
	expectProblem(t, problemsOf(t, dir), "KAFKA_TRANSACTIONAL_ID must be derived from $(POD_NAME)")
}

func TestAMissingDisruptionBudgetIsRefused(t *testing.T) {
	pdb := "  maxUnavailable: 1\n  selector:\n    matchLabels: { app.kubernetes.io/name: audit }"
	dir := copyWith(t, "audit.yaml", pdb, "  maxUnavailable: 1\n  selector:\n    matchLabels: { app.kubernetes.io/name: nothing }")
	expectProblem(t, problemsOf(t, dir), "StatefulSet/audit: 0 PodDisruptionBudgets select its pods")
}

func TestAContainerWithoutResourcesIsRefused(t *testing.T) {
	dir := copyWith(t, "verification.yaml", "requests: { cpu: ", "requests: { ephemeral-storage: 1Gi, x: ")
	expectProblem(t, problemsOf(t, dir), "resources.requests must set cpu and memory")
}

func TestTooManyReplicasForThePartitionsAreRefused(t *testing.T) {
	dir := copyWith(t, "config.yaml", "KAFKA_TOPIC_PARTITIONS: '12'", "KAFKA_TOPIC_PARTITIONS: '1'")
	expectProblem(t, problemsOf(t, dir), "exceed the 1 partitions")
}

func TestAFileVariableOutsideEveryMountIsRefused(t *testing.T) {
	dir := copyWith(t, "decision.yaml", "value: /etc/kafka-user/password", "value: /etc/kafka-users/password")
	expectProblem(t, problemsOf(t, dir), "KAFKA_SASL_PASSWORD_FILE=/etc/kafka-users/password is not inside any volumeMount")
}

func TestAMountedSecretKeyThatDoesNotExistIsRefused(t *testing.T) {
	dir := copyWith(t, "audit.yaml", "items: [{ key: ca.crt, path: ca.crt }]", "items: [{ key: ca.pem, path: ca.crt }]")
	expectProblem(t, problemsOf(t, dir), `wants key "ca.pem" that Secret "clearance-kafka-ca" does not have`)
}

func TestProductionWithoutKafkaTLSIsRefused(t *testing.T) {
	dir := copyWith(t, "config.yaml", "KAFKA_SSL: 'true'", "KAFKA_SSL: 'false'")
	expectProblem(t, problemsOf(t, dir), "production must set KAFKA_SSL")
}

func TestReplicatedVerificationWithItsRegistryCacheOnIsRefused(t *testing.T) {
	dir := copyWith(t, "verification.yaml", "value: '0' }", "value: '300000' }")
	expectProblem(t, problemsOf(t, dir), "registry cache on")
}

func TestIngestRateLimitsNotDividedByTheReplicasAreRefused(t *testing.T) {
	dir := copyWith(t, "ingest.yaml", "replicas: 3", "replicas: 4")
	problems := problemsOf(t, dir)
	expectProblem(t, problems, "INGEST_RATE_LIMIT is 1000 per pod, but 4 replicas must share clearance.dev/intended-rate-limit=3000: set it to 750")
	expectProblem(t, problems, "INGEST_AUTH_FAILURE_LIMIT is 10 per pod")
}

func TestIngestWithoutAnIntendedLimitIsRefused(t *testing.T) {
	dir := copyWith(t, "ingest.yaml", "clearance.dev/intended-address-rate-limit: '6000'", "clearance.dev/other: '6000'")
	expectProblem(t, problemsOf(t, dir), "annotation clearance.dev/intended-address-rate-limit must give the limit")
}

func TestIngestRateLimitFromElsewhereIsRefused(t *testing.T) {
	dir := copyWith(t, "ingest.yaml", "- { name: INGEST_RATE_LIMIT, value: '1000' }", "- { name: INGEST_RATE_LIMITS, value: '1000' }")
	expectProblem(t, problemsOf(t, dir), "INGEST_RATE_LIMIT must be set here")
}

func TestAServiceWithoutNodeOptionsIsRefused(t *testing.T) {
	dir := copyWith(t, "decision.yaml", "- name: NODE_OPTIONS", "- name: NODE_OPTIONZ")
	expectProblem(t, problemsOf(t, dir), "NODE_OPTIONS must be set here")
}

func TestAHeapCapThatDoesNotFitTheLimitIsRefused(t *testing.T) {
	dir := copyWith(t, "audit.yaml", "'--enable-source-maps'", "'--enable-source-maps --max-old-space-size=400'")
	expectProblem(t, problemsOf(t, dir), "above the memory limit 512Mi")
}

func TestAHeapCapWithoutItsOffHeapMeasureIsRefused(t *testing.T) {
	dir := copyWith(t, "ingest.yaml", "'--enable-source-maps'", "'--enable-source-maps --max-old-space-size=128'")
	dir = copyWithin(t, dir, "ingest.yaml", "clearance.dev/off-heap-memory:", "clearance.dev/other:")
	expectProblem(t, problemsOf(t, dir), "clearance.dev/off-heap-memory must give")
}

func TestNodeOptionsWithoutSourceMapsAreRefused(t *testing.T) {
	dir := copyWith(t, "verification.yaml", "'--enable-source-maps'", "'--max-semi-space-size=16'")
	expectProblem(t, problemsOf(t, dir), "keep it")
}
