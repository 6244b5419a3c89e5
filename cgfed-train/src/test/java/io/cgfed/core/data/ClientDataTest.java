package io.cgfed.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cgfed.core.protocol.ExperimentSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientDataTest {

    private static ExperimentSpec.Dataset dataset(String name, String partition, String path, String evalPath, double tgap) {
        return new ExperimentSpec.Dataset(name, 5L, 120, 20, partition, path, evalPath, tgap);
    }

    @Test
    void demoShardsAreDisjointCoverTheirPoolAndShareOneHeldOutSet() {
        ExperimentSpec.Dataset d = dataset(DemoTask.NAME, "iid", null, null, 0.0);
        List<MultipleChoiceExample> all = new ArrayList<>();
        Set<List<MultipleChoiceExample>> heldOut = new HashSet<>();
        for (int c = 0; c < 3; c++) {
            ClientData.Shards<MultipleChoiceExample> s = ClientData.forClient(d, 3, c, null);
            assertThat(s.train()).hasSize(40);
            all.addAll(s.train());
            heldOut.add(s.heldOut());
        }
        assertThat(all).hasSize(120);
        assertThat(heldOut).hasSize(1);
        assertThat(heldOut.iterator().next()).hasSize(20);
    }

    @Test
    void theTgapShareIsSetAsideBeforeClientsAreDealtTheirShards() {
        int total = 0;
        for (int c = 0; c < 3; c++) {
            total += ClientData.forClient(dataset(DemoTask.NAME, "dirichlet:0.5", null, null, 0.25), 3, c, null).train().size();
        }
        assertThat(total).isEqualTo(90);
    }

    @Test
    void multipleChoiceCsvsAreSplitAcrossClientsAndEvaluatedOnTheirOwnFiles(@TempDir Path dir) throws Exception {
        Path train = Files.createDirectories(dir.resolve("dev"));
        Path eval = Files.createDirectories(dir.resolve("val"));
        Files.writeString(train.resolve("computer_network_dev.csv"), csv(30, "net"));
        Files.writeString(train.resolve("high_school_history_dev.csv"), csv(30, "hist"));
        Files.writeString(eval.resolve("computer_network_val.csv"), csv(8, "evalnet"));
        ExperimentSpec.Dataset d = dataset(ClientData.MULTIPLE_CHOICE, "iid", train.toString(), eval.toString(), 0.0);
        ClientData.Shards<MultipleChoiceExample> a = ClientData.forClient(d, 2, 0, null);
        ClientData.Shards<MultipleChoiceExample> b = ClientData.forClient(d, 2, 1, null);
        assertThat(a.train().size() + b.train().size()).isEqualTo(60);
        assertThat(a.train()).doesNotContainAnyElementsOf(b.train());
        assertThat(a.heldOut()).hasSize(8).allSatisfy(e -> assertThat(e.prompt()).contains("evalnet"));
        assertThat(a.train()).extracting(MultipleChoiceExample::category).contains("STEM", "Humanities");
    }

    @Test
    void withoutAnEvalPathTheHeldOutSetIsTakenFromThePoolAndNeverTrainedOn(@TempDir Path dir) throws Exception {
        // MMLU layout: no header, no id column
        Files.writeString(dir.resolve("virology_test.csv"), csv(50, "v").lines().skip(1)
                .map(line -> line.substring(line.indexOf(',') + 1)).reduce("", (x, y) -> x + y + "\n"));
        ExperimentSpec.Dataset d = dataset(ClientData.MULTIPLE_CHOICE, "iid", dir.toString(), null, 0.0);
        ClientData.Shards<MultipleChoiceExample> s = ClientData.forClient(d, 1, 0, null);
        assertThat(s.heldOut()).hasSize(20);
        assertThat(s.train()).hasSize(30).doesNotContainAnyElementsOf(s.heldOut());
    }

    @Test
    void theLocalPartitionTrainsOnTheWorkersOwnFiles(@TempDir Path dir) throws Exception {
        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("college_physics_dev.csv"), csv(7, "local"));
        ExperimentSpec.Dataset d = dataset(DemoTask.NAME, "local", null, null, 0.0);
        ClientData.Shards<MultipleChoiceExample> s = ClientData.forClient(d, 4, 2, mine);
        assertThat(s.train()).hasSize(7).allSatisfy(e -> assertThat(e.prompt()).contains("local"));
        assertThatThrownBy(() -> ClientData.forClient(d, 4, 2, null)).hasMessageContaining("data directory");
    }

    @Test
    void theShardBoundTheCoordinatorChecksHoldsForEveryClientAndIsExactForTheDemoUnderDirichlet(@TempDir Path dir)
            throws Exception {
        for (String partition : new String[] {"iid", "dirichlet:0.3"}) {
            for (double tgap : new double[] {0.0, 0.3}) {
                ExperimentSpec.Dataset d = new ExperimentSpec.Dataset(DemoTask.NAME, 5L, 203, 20, partition, null, null, tgap);
                long[] bounds = ClientData.maxTrainExamples(d, 7);
                assertThat(bounds).hasSize(7);
                for (int client = 0; client < 7; client++) {
                    int actual = ClientData.forClient(d, 7, client, null).train().size();
                    long bound = bounds[client];
                    assertThat(bound).as("%s tgap %s client %d", partition, tgap, client).isGreaterThanOrEqualTo(actual);
                    if (partition.startsWith("dirichlet")) {
                        assertThat(bound).isEqualTo(actual);
                    } else {
                        assertThat(bound).isEqualTo(29); // ceil(203 / 7)
                    }
                }
            }
        }
        // a client's own data is capped at trainExamples, the bound for it
        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("college_physics_dev.csv"), csv(30, "local"));
        ExperimentSpec.Dataset local = new ExperimentSpec.Dataset(DemoTask.NAME, 5L, 12, 20, "local");
        assertThat(ClientData.forClient(local, 4, 2, mine).train()).hasSize(12);
        assertThat(ClientData.maxTrainExamples(local, 4)).containsOnly(12);
    }

    @Test
    void badSpecsAreRefusedBeforeAnyDataIsRead() {
        assertThatThrownBy(() -> ClientData.check(dataset("imagenet", "iid", null, null, 0))).hasMessageContaining("imagenet");
        assertThatThrownBy(() -> ClientData.check(dataset(DemoTask.NAME, "zipf", null, null, 0))).hasMessageContaining("zipf");
        assertThatThrownBy(() -> ClientData.check(dataset(ClientData.MULTIPLE_CHOICE, "iid", null, null, 0)))
                .hasMessageContaining("path");
    }

    private static String csv(int rows, String tag) {
        StringBuilder b = new StringBuilder("id,question,A,B,C,D,answer\n");
        for (int i = 0; i < rows; i++) {
            b.append(i).append(",\"").append(tag).append(" question ").append(i).append(", with a comma\",a,b,c,d,")
                    .append((char) ('A' + i % 4)).append('\n');
        }
        return b.toString();
    }
}
