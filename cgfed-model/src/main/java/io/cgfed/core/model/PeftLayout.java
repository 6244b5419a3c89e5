package io.cgfed.core.model;

import static io.cgfed.core.model.PeftAdapter.peftNames;

import io.cgfed.core.tensor.FloatTensor;
import io.cgfed.core.tensor.NamedTensors;
import io.cgfed.core.tensor.TensorFormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Rank, targets and layers of a LoRA adapter read off its tensors' names and shapes, with the tensors in
 * layout order; {@link #infer} refuses, naming the tensor, an adapter of some layers only, a missing factor,
 * mixed ranks or a shape the model does not have.
 */
record PeftLayout(int rank, List<LoraTarget> targets, int layers, NamedTensors tensors) {

    static PeftLayout infer(NamedTensors tensors, LlamaConfig model) {
        if (tensors.size() == 0) {
            throw new TensorFormatException("PEFT adapter holds no LoRA tensors");
        }
        TreeMap<Integer, Map<LoraTarget, FloatTensor[]>> byLayer = new TreeMap<>();
        Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        tensors.forEach((name, t) -> {
            LoraAdapter.Factor f;
            try {
                f = LoraAdapter.parse(name);
            } catch (IllegalArgumentException e) {
                throw new TensorFormatException("PEFT adapter: " + e.getMessage());
            }
            if (t.rank() != 2) {
                throw new TensorFormatException("PEFT adapter: " + name + " has shape " + Arrays.toString(t.shape())
                        + "; a LoRA factor is a matrix");
            }
            targets.add(f.target());
            byLayer.computeIfAbsent(f.layer(), k -> new TreeMap<>())
                    .computeIfAbsent(f.target(), k -> new FloatTensor[2])[f.factor() == 'A' ? 0 : 1] = t;
        });
        int layers = byLayer.lastKey() + 1;
        if (byLayer.size() != layers) {
            List<Integer> missing = new ArrayList<>();
            for (int i = 0; i < layers && missing.size() < 10; i++) {
                if (!byLayer.containsKey(i)) {
                    missing.add(i);
                }
            }
            throw new TensorFormatException("PEFT adapter adapts layers up to " + (layers - 1) + " but has no LoRA "
                    + "factors for layer" + (missing.size() == 1 ? " " : "s ") + missing.toString().replaceAll("[\\[\\]]", "")
                    + (layers - byLayer.size() > missing.size() ? ", ..." : "")
                    + " (adapters of some layers only are not supported)");
        }
        if (model != null && layers != model.numHiddenLayers()) {
            throw new TensorFormatException("PEFT adapter adapts " + layers + " layers; the model has "
                    + model.numHiddenLayers());
        }
        List<LoraTarget> targetList = targets.stream().sorted().toList();
        int rank = -1;
        String rankSource = null;
        int[] inOf = new int[LoraTarget.values().length];
        int[] outOf = new int[LoraTarget.values().length];
        NamedTensors ordered = new NamedTensors();
        for (int layer = 0; layer < layers; layer++) {
            Map<LoraTarget, FloatTensor[]> modules = byLayer.get(layer);
            for (LoraTarget t : targetList) {
                FloatTensor[] ab = modules.get(t);
                String nameA = LoraAdapter.name(layer, t, 'A');
                String nameB = LoraAdapter.name(layer, t, 'B');
                if (ab == null) {
                    throw new TensorFormatException("PEFT adapter adapts " + t.peftName() + " in some layers but not in "
                            + "layer " + layer + " (no " + nameA + ")");
                }
                if (ab[0] == null || ab[1] == null) {
                    throw new TensorFormatException("PEFT adapter has " + (ab[0] == null ? nameB : nameA)
                            + " but no " + (ab[0] == null ? nameA : nameB));
                }
                FloatTensor a = ab[0];
                FloatTensor b = ab[1];
                if (a.dim(0) != b.dim(1)) {
                    throw new TensorFormatException("PEFT adapter: inconsistent rank: " + nameA + " has shape "
                            + Arrays.toString(a.shape()) + " (r x in) but " + nameB + " has shape "
                            + Arrays.toString(b.shape()) + " (out x r)");
                }
                if (rank < 0) {
                    rank = a.dim(0);
                    rankSource = nameA;
                } else if (a.dim(0) != rank) {
                    throw new TensorFormatException("PEFT adapter: inconsistent rank: " + nameA + " has rank "
                            + a.dim(0) + " but " + rankSource + " has rank " + rank
                            + " (per-module ranks are not supported)");
                }
                if (rank == 0) {
                    throw new TensorFormatException("PEFT adapter: " + nameA + " has rank 0");
                }
                int in = model != null ? model.inFeatures(t) : layer == 0 ? a.dim(1) : inOf[t.ordinal()];
                int out = model != null ? model.outFeatures(t) : layer == 0 ? b.dim(0) : outOf[t.ordinal()];
                inOf[t.ordinal()] = in;
                outOf[t.ordinal()] = out;
                String against = model != null ? "the model's " + t.peftName() + " (" + out + " x " + in + ")"
                        : t.peftName() + " of layer 0";
                if (a.dim(1) != in) {
                    throw new TensorFormatException("PEFT adapter: " + nameA + " has shape " + Arrays.toString(a.shape())
                            + "; expected [" + rank + ", " + in + "] for " + against);
                }
                if (b.dim(0) != out) {
                    throw new TensorFormatException("PEFT adapter: " + nameB + " has shape " + Arrays.toString(b.shape())
                            + "; expected [" + out + ", " + rank + "] for " + against);
                }
                ordered.put(nameA, a);
                ordered.put(nameB, b);
            }
        }
        return new PeftLayout(rank, targetList, layers, ordered);
    }

    static void requireSame(PeftLayout layout, LoraConfig lora) {
        if (layout.rank() != lora.rank()) {
            throw new TensorFormatException("adapter tensors have rank " + layout.rank() + ", the LoRA configuration "
                    + "says r=" + lora.rank());
        }
        if (!layout.targets().equals(lora.targets())) {
            throw new TensorFormatException("adapter tensors adapt " + peftNames(layout.targets())
                    + ", the LoRA configuration targets " + peftNames(lora.targets()));
        }
    }
}
