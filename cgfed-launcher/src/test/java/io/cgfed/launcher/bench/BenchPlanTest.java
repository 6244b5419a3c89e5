package io.cgfed.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchPlanTest {

    private static Map<?, ?> map(Object o) {
        return (Map<?, ?>) o;
    }

    private static BenchPlan.Run main(List<BenchPlan.Run> plan, String method, long seed) {
        return plan.stream().filter(r -> r.group().equals("main") && r.method().id().equals(method) && r.seed() == seed)
                .findFirst().orElseThrow();
    }

    @Test
    void everyMethodTrainsOnTheSameDataModelAndBudgetAndDiffersOnlyInItsCodec() {
        List<BenchPlan.Run> plan = BenchPlan.plan(BenchOptions.parse(new String[] {"--sweeps", "none"}));
        assertThat(plan).hasSize((int) BenchMethod.all().stream().filter(BenchMethod::codecRow).count() * 3); // default seeds 1, 2, 3
        for (BenchPlan.Run r : plan) {
            Map<?, ?> spec = r.spec();
            assertThat(spec.get("model")).isEqualTo(Map.of("name", "tiny-llama", "seed", 1L));
            Map<?, ?> dataset = map(spec.get("dataset"));
            // the pool keeps 400 examples per client in D2 once 30 % is set aside for TGAP, for every method
            assertThat(dataset.get("trainExamples")).isEqualTo(1715);
            assertThat(dataset.get("tgapFraction")).isEqualTo(0.3);
            assertThat(dataset.get("seed")).isEqualTo(7L);
            assertThat(spec.get("rounds")).isEqualTo(5);
            assertThat(spec.get("seed")).isEqualTo(r.seed());
            assertThat(map(spec.get("lora")).get("rank")).isEqualTo(8);
        }
    }

    @Test
    void centralisedIsOneClientWithTheFederationsStepsAndNoCompression() {
        List<BenchPlan.Run> plan = BenchPlan.plan(BenchOptions.parse(new String[] {"--sweeps", "none", "--seeds", "3"}));
        Map<?, ?> cent = main(plan, "cent", 3).spec();
        Map<?, ?> fed = main(plan, "lora-ft", 3).spec();
        assertThat(cent.get("clients")).isEqualTo(1);
        assertThat(cent.get("minClients")).isEqualTo(1);
        assertThat(fed.get("clients")).isEqualTo(3);
        assertThat(map(cent.get("training")).get("localSteps")).isEqualTo(300);
        assertThat(map(fed.get("training")).get("localSteps")).isEqualTo(100);
        assertThat(map(cent.get("codec")).get("name")).isEqualTo("none");
        assertThat(map(fed.get("codec")).get("name")).isEqualTo("none");
    }

    @Test
    void topkAndTheLearnedCodecAimAtTheSameBodyBytes() {
        List<BenchPlan.Run> plan = BenchPlan.plan(BenchOptions.parse(new String[] {"--sweeps", "none"}));
        Map<?, ?> topk = map(main(plan, "topk-ef", 1).spec().get("codec"));
        assertThat(topk.get("errorFeedback")).isEqualTo(true);
        double fraction = (Double) map(topk.get("settings")).get("fraction");
        // 6 bytes per kept value (u32 index + fp16) against 4 per fp32 value: 1/64 of the bytes
        assertThat(fraction * 6 / 4).isCloseTo(1.0 / 64, org.assertj.core.data.Offset.offset(1e-12));
        Map<?, ?> frozen = map(main(plan, "cgae", 1).spec().get("codec"));
        assertThat(frozen.get("settings")).isEqualTo(Map.of("adaptEvery", 0, "compression", 64));
        assertThat(frozen.containsKey("errorFeedback")).isFalse();
        Map<?, ?> best = map(main(plan, "cgae-ef", 1).spec().get("codec"));
        assertThat(best.get("settings")).isEqualTo(Map.of("adaptEvery", 1, "residualFraction", 0.75, "compression", 64));
        assertThat(best.get("errorFeedback")).isEqualTo(true);
        assertThat(map(main(plan, "qsgd", 1).spec().get("codec")).get("settings")).isEqualTo(Map.of("levels", 16));
        // rotq's compression is of the whole request, header included
        Map<?, ?> rotq = map(main(plan, "rotq-ef", 1).spec().get("codec"));
        assertThat(rotq.get("settings")).isEqualTo(Map.of("compression", 64));
        assertThat(rotq.get("errorFeedback")).isEqualTo(true);
        Map<?, ?> unbiased = map(main(plan, "rotq-unbiased", 1).spec().get("codec"));
        assertThat(unbiased.get("settings")).isEqualTo(Map.of("bias", "unbiased", "compression", 64));
        assertThat(unbiased.containsKey("errorFeedback")).as("unbiased rotq runs without error feedback").isFalse();
    }

    @Test
    void sweepsAddTheirPointsOnceAndReuseTheMainTablesAtTheDefaultBudget() {
        List<BenchPlan.Run> plan = BenchPlan.plan(BenchOptions.parse(new String[] {"--seeds", "1,2"}));
        List<BenchPlan.Run> ratio = plan.stream().filter(r -> r.group().equals("ratio")).toList();
        // cgae-ef, topk-ef and rotq-ef at 1/16 and 1/256 on the first seed; 1/64 seed 1 is in the main table
        assertThat(ratio).hasSize(6);
        assertThat(ratio).allMatch(r -> r.seed() == 1 && r.compression() != 64);
        assertThat(map(map(ratio.get(0).spec().get("codec")).get("settings")).get("compression")).isEqualTo(16);
        List<BenchPlan.Run> noise = plan.stream().filter(r -> r.group().equals("noise")).toList();
        assertThat(noise).hasSize(10);
        assertThat(noise).extracting(BenchPlan.Run::noiseSigma).contains(5e-5, 5e-1);
        assertThat(map(noise.get(0).spec().get("codec")).get("updateNoiseSigma")).isEqualTo(5e-5);
        List<BenchPlan.Run> dp = plan.stream().filter(r -> r.group().equals("dp")).toList();
        assertThat(dp).hasSize(6);
        assertThat(map(dp.get(2).spec().get("codec")).get("privacy"))
                .isEqualTo(Map.of("epsilon", 8.0, "delta", 1e-5, "clipNorm", 1.0));
        assertThat(plan.stream().map(r -> r.spec().get("name")).distinct().count()).isEqualTo(plan.size());
    }

    @Test
    void aStrategyRowCarriesItsAggregationAndTheCodecRowsNone() {
        List<BenchPlan.Run> plan = BenchPlan.plan(BenchOptions.parse(new String[] {"--sweeps", "none", "--seeds", "1",
                "--methods", "lora-ft,fedadam,trimmed-mean"}));
        assertThat(plan).hasSize(3);
        assertThat(plan.get(0).spec()).doesNotContainKey("aggregation");
        assertThat(map(plan.get(1).spec().get("aggregation")).get("name")).isEqualTo("fedadam");
        assertThat(map(plan.get(2).spec().get("aggregation")).get("settings")).isEqualTo(Map.of("trimFraction", 0.34));
        assertThat(map(plan.get(2).spec().get("codec")).get("name")).isEqualTo("none");
        List<BenchPlan.Run> prox = BenchPlan.plan(BenchOptions.parse(new String[] {"--sweeps", "none", "--seeds", "1",
                "--methods", "fedprox", "--partition", "dirichlet:0.1"}));
        assertThat(map(prox.get(0).spec().get("training")).get("proximalMu")).isEqualTo(0.01);
        assertThat(map(prox.get(0).spec().get("dataset")).get("partition")).isEqualTo("dirichlet:0.1");
    }

    @Test
    void thePapersSetupsMapOntoTheSpec() {
        BenchPlan.Budget ceval = BenchPlan.budget(BenchOptions.parse(new String[] {"--setup", "ceval", "--model-dir",
                "/models/llama-7b", "--dataset-path", "/data/ceval/dev", "--eval-path", "/data/ceval/val"}));
        assertThat(ceval.rounds()).isEqualTo(5);
        assertThat(ceval.clients()).isEqualTo(3);
        assertThat(ceval.rank()).isEqualTo(16);
        assertThat(ceval.batchSize()).isEqualTo(24);
        assertThat(ceval.microBatchSize()).isEqualTo(8);
        assertThat(ceval.learningRate()).isEqualTo(2e-4);
        // 3 local epochs over a client's D2 shard: ceil(260 x 0.7 / 3) = 61 examples, ceil(3 x 61 / 24) = 8 steps
        assertThat(ceval.localSteps()).isEqualTo(8);
        Map<?, ?> spec = BenchPlan.spec(BenchMethod.byId("cgae"), 1, 64, 0, 0, 1.0, ceval);
        assertThat(map(spec.get("model")).get("name")).isEqualTo("/models/llama-7b");
        assertThat(map(spec.get("dataset")).get("name")).isEqualTo("multiple-choice");
        assertThat(map(spec.get("dataset")).get("path")).isEqualTo("/data/ceval/dev");
        assertThat(map(spec.get("dataset")).get("evalPath")).isEqualTo("/data/ceval/val");

        BenchPlan.Budget dolly = BenchPlan.budget(BenchOptions.parse(new String[] {"--setup", "dolly", "--dataset-path",
                "/data/dolly.jsonl"}));
        assertThat(dolly.clients()).isEqualTo(100);
        assertThat(dolly.clientsPerRound()).isEqualTo(5);
        assertThat(dolly.partition()).isEqualTo("dirichlet:0.5");
        assertThat(dolly.rounds()).isEqualTo(20);
        Map<?, ?> dollyFed = BenchPlan.spec(BenchMethod.byId("lora-ft"), 1, 64, 0, 0, 1.0, dolly);
        assertThat(dollyFed.get("fractionPerRound")).isEqualTo(0.05);
        assertThat(dollyFed.get("minClients")).isEqualTo(5);
        Map<?, ?> dollyCent = BenchPlan.spec(BenchMethod.byId("cent"), 1, 64, 0, 0, 1.0, dolly);
        assertThat(dollyCent.get("clients")).isEqualTo(1);
        assertThat(map(dollyCent.get("training")).get("localSteps")).isEqualTo(5 * dolly.localSteps());

        BenchPlan.Budget mmlu = BenchPlan.budget(BenchOptions.parse(new String[] {"--setup", "mmlu", "--dataset-path", "/d"}));
        assertThat(List.of(mmlu.rounds(), mmlu.batchSize(), mmlu.microBatchSize())).containsExactly(8, 8, 4);
        assertThat(mmlu.learningRate()).isEqualTo(3.5e-4);
    }

    @Test
    void quickIsOneSeedThreeRoundsAndFewerSweepPoints() {
        BenchOptions o = BenchOptions.parse(new String[] {"--quick"});
        List<BenchPlan.Run> plan = BenchPlan.plan(o);
        // 12 methods, cgae-ef at 1/16 and 1/256, frozen cgae at 3 noise levels and 2 epsilons
        assertThat(plan).hasSize(12 + 2 + 3 + 2);
        assertThat(plan).allMatch(r -> r.seed() == 1 && r.spec().get("rounds").equals(3));
        // options after --quick still win
        assertThat(BenchOptions.parse(new String[] {"--quick", "--rounds", "2"}).rounds).isEqualTo(2);
    }

    @Test
    void badOptionsAreRefusedWithTheirName() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--methods", "zip"})).hasMessageContaining("zip");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--sweeps", "speed"})).hasMessageContaining("speed");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--ratios", "8"})).hasMessageContaining("at least 16");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--dp-epsilons", "0"})).hasMessageContaining("out of range");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--setup", "ceval"})).hasMessageContaining("--dataset-path");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--coordinator", "http://x"}))
                .hasMessageContaining("--registry");
        assertThat(BenchOptions.parse(new String[] {"--sweeps", "none"}).sweeps).isEmpty();
    }
}
