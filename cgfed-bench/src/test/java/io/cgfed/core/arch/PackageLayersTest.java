package io.cgfed.core.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library's packages in layers, each using only the layers below it (issue 17: the arrows stay one-way).
 * Maven keeps the modules' arrows one-way (a module cannot see one that depends on it); this keeps the
 * packages' inside a module (cgfed-tensor's {@code util} below {@code tensor} below {@code aggregation}), and
 * checks that each package lives in the module the architecture gives it. It sits in cgfed-bench, the top of
 * the library, because that is the module whose build has every other library module's sources beside it.
 * A reference in a source file, imported or written out, counts; one that runs up or sideways fails the test
 * with the file and the reference named.
 */
class PackageLayersTest {
    /** Rank of each package: a package may use those of lower rank (and its own). */
    static final Map<String, Integer> RANK = Map.ofEntries(
            Map.entry("util", 0),
            Map.entry("tensor", 1), Map.entry("text", 1),
            Map.entry("aggregation", 2), Map.entry("privacy", 2), Map.entry("model", 2), Map.entry("secagg", 2),
            Map.entry("protocol", 3),
            Map.entry("data", 4),
            Map.entry("train", 5),
            Map.entry("codec", 6),
            Map.entry("bench", 7));
    /** The module each package lives in, bottom to top (docs/architecture.md, "Modules"). */
    static final Map<String, String> MODULE = Map.ofEntries(
            Map.entry("util", "cgfed-tensor"), Map.entry("tensor", "cgfed-tensor"),
            Map.entry("aggregation", "cgfed-tensor"), Map.entry("privacy", "cgfed-tensor"),
            Map.entry("text", "cgfed-model"), Map.entry("model", "cgfed-model"),
            Map.entry("protocol", "cgfed-protocol"),
            Map.entry("data", "cgfed-train"), Map.entry("train", "cgfed-train"),
            Map.entry("codec", "cgfed-codec"),
            Map.entry("secagg", "cgfed-secagg"),
            Map.entry("bench", "cgfed-bench"));
    private static final Pattern REFERENCE = Pattern.compile("io\\.cgfed\\.core\\.(\\w+)");

    @Test
    void everyPackageUsesOnlyTheLayersBelowItAndLivesInItsModule() throws IOException {
        List<String> upward = new ArrayList<>();
        Map<String, String> found = new TreeMap<>();
        for (String module : MODULE.values().stream().distinct().sorted().toList()) {
            Path root = Path.of("..", module, "src/main/java/io/cgfed/core");
            assertThat(root).as("module %s's sources", module).isDirectory();
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String pkg = root.relativize(f).getName(0).toString();
                    String earlier = found.put(pkg, module);
                    assertThat(earlier).as("package %s split between modules", pkg).isIn(null, module);
                    Matcher m = REFERENCE.matcher(Files.readString(f));
                    while (m.find()) {
                        String used = m.group(1);
                        if (!used.equals(pkg) && RANK.containsKey(used)
                                && RANK.getOrDefault(pkg, -1) <= RANK.get(used)) {
                            upward.add(module + ": " + root.relativize(f) + " uses " + used);
                        }
                    }
                }
            }
        }
        assertThat(RANK.keySet()).as("every package has a layer").containsAll(found.keySet());
        assertThat(found).as("each package in its module").isEqualTo(new TreeMap<>(MODULE));
        assertThat(upward).as("references that run up or sideways between layers").isEmpty();
    }
}
