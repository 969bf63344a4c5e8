package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Object is one decoded manifest document and where it came from.
type Object struct {
	File string
	Obj  runtime.Object
}

// Set is the kustomization's resources (applied) plus the example Secrets the workloads read (not applied).
type Set struct {
	Objects []Object
}

type kustomization struct {
	Resources []string `json:"resources"`
}

var scheme = runtime.NewScheme()

func init() {
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
}

// strict: unknown fields and duplicate keys are errors, as `kubectl apply --validate=strict` makes them
var decoder = serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

// LoadSet reads dir/kustomization.yaml, decodes every resource it lists and dir/secrets.example.yaml if present.
func LoadSet(dir string) (*Set, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(raw, &k); err != nil {
		// the kustomization has more fields than resources: read only those, strictly typed elsewhere by kustomize
		if err := yaml.Unmarshal(raw, &k); err != nil {
			return nil, fmt.Errorf("kustomization.yaml: %w", err)
		}
	}
	if len(k.Resources) == 0 {
		return nil, errors.New("kustomization.yaml lists no resources")
	}
	files := append([]string{}, k.Resources...)
	if _, err := os.Stat(filepath.Join(dir, "secrets.example.yaml")); err == nil {
		files = append(files, "secrets.example.yaml")
	}
	set := &Set{}
	for _, f := range files {
		objs, err := DecodeFile(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		set.Objects = append(set.Objects, objs...)
	}
	return set, nil
}

// DecodeFile decodes every YAML document of a file strictly into its Kubernetes type.
func DecodeFile(path string) ([]Object, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	reader := utilyaml.NewYAMLReader(bufioReader(raw))
	var out []Object
	for i := 1; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, i, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, _, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, i, err)
		}
		out = append(out, Object{File: filepath.Base(path), Obj: obj})
	}
	return out, nil
}
