package io.cgfed.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathRootsTest {
    @Test
    void onlyPathsInsideARootPassAfterDotDotAndLinksAreResolved(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("secret.txt"), "s");
        Files.writeString(data.resolve("ok.csv"), "x");
        Files.createSymbolicLink(data.resolve("escape"), other);
        Files.createSymbolicLink(data.resolve("dangling"), dir.resolve("gone"));
        PathRoots roots = PathRoots.parse("CGFED_DATA_ROOTS", data + "," + dir.resolve("models"));

        assertThat(roots.require(data.resolve("ok.csv").toString())).isEqualTo(data.toRealPath().resolve("ok.csv"));
        assertThat(roots.require(data.resolve("later/not-yet.csv").toString()).startsWith(data.toRealPath())).isTrue();
        assertThat(roots.require(data + "/sub/../ok.csv").toString()).endsWith("ok.csv");
        assertThatThrownBy(() -> roots.require(data + "/../other/secret.txt")).hasMessageContaining("outside")
                .hasMessageContaining("CGFED_DATA_ROOTS").hasMessageNotContaining("\"s\"");
        assertThatThrownBy(() -> roots.require(data.resolve("escape/secret.txt").toString())).hasMessageContaining("outside");
        assertThatThrownBy(() -> roots.require(data.resolve("dangling").toString())).hasMessageContaining("cannot be resolved");
        assertThatThrownBy(() -> roots.require("/etc/passwd")).hasMessageContaining("outside");
        assertThatThrownBy(() -> roots.require("/proc/self/environ")).hasMessageContaining("outside");
        assertThatThrownBy(() -> roots.require("../../x")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> roots.require("bad\u0000path")).hasMessageContaining("not a valid path");
        // a root's name as a prefix of a sibling's is not inside it
        Path sibling = Files.createDirectories(dir.resolve("data2"));
        assertThatThrownBy(() -> roots.require(sibling.resolve("x.csv").toString())).hasMessageContaining("outside");
    }

    @Test
    void withoutRootsNoPathPassesAndTheMessageSaysWhatToSet() {
        PathRoots none = PathRoots.parse("CGFED_MODEL_ROOTS", " ");
        assertThat(none.roots()).isEmpty();
        assertThatThrownBy(() -> none.require("/models/llama")).hasMessageContaining("set CGFED_MODEL_ROOTS");
        assertThatThrownBy(() -> PathRoots.parse("CGFED_DATA_ROOTS", "data")).hasMessageContaining("not an absolute path");
        assertThat(PathRoots.parse("X", "/a:/b,/c").roots()).hasSize(3);
    }
}
