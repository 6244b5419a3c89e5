package io.cgfed.core.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of {@code cgfed-core} in layers, each using only the layers below it (issue 17: the arrows stay
 * one-way). A reference in a source file, imported or written out, counts; a package above its rank fails the
 * test with the file and the reference named. Maven keeps the modules' arrows one-way; this keeps the packages'.
 */
class PackageLayersTest {
    /** Rank of each package: a package may use those of lower rank (and its own). */
    static final Map<String, Integer> RANK = Map.ofEntries(
            Map.entry("util", 0),
            Map.entry("tensor", 1), Map.entry("text", 1),
            Map.entry("aggregation", 2), Map.entry("privacy", 2), Map.entry("model", 2),
            Map.entry("protocol", 3),
            Map.entry("data", 4),
            Map.entry("train", 5),
            Map.entry("codec", 6),
            Map.entry("bench", 7));
    private static final Pattern REFERENCE = Pattern.compile("io\\.cgfed\\.core\\.(\\w+)");

    @Test
    void everyPackageUsesOnlyTheLayersBelowIt() throws IOException {
        Path root = Path.of("src/main/java/io/cgfed/core");
        List<String> upward = new ArrayList<>();
        TreeSet<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(f).getName(0).toString();
                packages.add(pkg);
                Matcher m = REFERENCE.matcher(Files.readString(f));
                while (m.find()) {
                    String used = m.group(1);
                    if (!used.equals(pkg) && RANK.containsKey(used) && RANK.getOrDefault(pkg, -1) <= RANK.get(used)) {
                        upward.add(root.relativize(f) + " uses " + used);
                    }
                }
            }
        }
        assertThat(RANK.keySet()).as("every package has a layer").containsAll(packages);
        assertThat(upward).as("references that run up or sideways between layers").isEmpty();
    }
}
