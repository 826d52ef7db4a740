package org.opensearch.binaryembeddings.e2e;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallzhv15.BgeSmallZhV15EmbeddingModel;

import org.opensearch.binaryembeddings.testdata.Json;
import org.opensearch.client.ResponseException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The "bring your own model" path on a real node, with a model the plugin does not bundle: bge-small-zh-v1.5
 * (Chinese, 512 dims, float32). Its files come from langchain4j's Maven Central jar, extracted at build time into
 * {@code target/test-tmp/user-models/bge-small-zh-v1.5/} beside a manifest written as a user writes one
 * ({@code src/test/user-models/bge-small-zh-v1.5/manifest.json}). The test does what the README tells a user: the folder
 * goes into the node's {@code config/binary-embeddings/models/}, the node is restarted, and the model serves
 * {@code _embed}, the {@code local_embedding} processor and {@code binary_knn} {@code query_text}. Its vectors are
 * compared with langchain4j's own encoder of the same model (the reference) on the same texts, and a Chinese query
 * must find its Chinese passage.
 */
public class UserModelIT extends LocalNodesTestCase {

    private static final String ZH = "bge-small-zh-v1.5";
    /** BGE's Chinese retrieval instruction, as the manifest gives it (the model card's query prefix). */
    private static final String ZH_QUERY_PREFIX = "为这个句子生成表示以用于检索相关文章：";

    /** Passages written for this test: one topic each. */
    private static final Map<String, String> PASSAGES = Map.of(
        "photosynthesis", "光合作用是植物利用阳光，把二氧化碳和水转化为葡萄糖并释放氧气的过程。",
        "great-wall", "长城是中国古代修建的军事防御工程，总长度超过两万公里。",
        "panda", "大熊猫主要生活在四川山区的竹林里，几乎只吃竹子。",
        "railway", "高速铁路列车的最高运营时速可以达到三百五十公里。",
        "dumplings", "饺子是春节期间北方家庭常吃的传统食物，象征团圆。",
        "earthquake", "地震是地壳板块运动时突然释放能量而造成的地面震动。",
        "caffeine", "咖啡因会刺激中枢神经系统，让人暂时感到清醒、不困。",
        "planets", "太阳系有八大行星，其中木星的体积和质量都是最大的。"
    );

    /** A question per topic, worded differently from its passage. */
    private static final Map<String, String> QUERIES = Map.of(
        "植物是怎样制造氧气的？", "photosynthesis",
        "大熊猫平时吃什么？", "panda",
        "为什么喝咖啡能提神？", "caffeine",
        "哪颗行星最大？", "planets",
        "地面为什么会突然剧烈摇晃？", "earthquake",
        "过年的时候北方人吃什么？", "dumplings"
    );

    /** The model folder the build prepared (files from the jar, the user's manifest), below the test JVM's tmpdir. */
    private static Path builtModelFolder() {
        Path p = Path.of(System.getProperty("java.io.tmpdir"), "user-models", ZH).toAbsolutePath();
        for (String f : List.of("model.onnx", "tokenizer.json", "manifest.json")) {
            assertTrue("the build puts " + f + " into " + p + " (pom.xml, models-for-tests)", Files.isRegularFile(p.resolve(f)));
        }
        return p;
    }

    @SuppressWarnings("unchecked")
    public void testChineseModelDroppedIntoTheModelsFolder() throws Exception {
        LocalNodes nodes = localNodes("user-model");
        // 1. the user's folder goes into the node's config: config/binary-embeddings/models/<name>/
        Path conf = nodes.ownConfig(0);
        Path target = conf.resolve("binary-embeddings").resolve("models").resolve(ZH);
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(builtModelFolder())) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        // 2. (re)start: nodes discover model folders at start; only this model, and it is the node's default
        Map<String, String> settings = new java.util.LinkedHashMap<>(LocalNodes.singleNode());
        settings.put("plugins.binary_embeddings.models.enabled", ZH);
        settings.put("plugins.binary_embeddings.default_model", ZH);
        LocalNodes.Node node = nodes.start(0, settings);
        node.awaitHealth("green", 1, null);
        Map<String, Object> model = awaitLoaded(node);
        assertEquals(model.toString(), 512, model.get("dims"));
        assertEquals(model.toString(), "cls", model.get("pooling"));
        assertEquals(model.toString(), ZH_QUERY_PREFIX, model.get("query_prefix"));

        // 3. the node's vectors are langchain4j's for the same texts (passages: no prefix; queries: the prefix)
        EmbeddingModel reference = new BgeSmallZhV15EmbeddingModel();
        List<String> passages = List.copyOf(PASSAGES.values());
        List<String> queries = List.copyOf(QUERIES.keySet());
        assertSameVectors("passage", node, passages, reference, passages);
        assertSameVectors("query", node, queries, reference, queries.stream().map(q -> ZH_QUERY_PREFIX + q).toList());

        // 4. through the pipeline into a 512-dim field, and a Chinese query finds its Chinese passage with binary_knn
        node.call("PUT", "/_ingest/pipeline/zh", "{\"processors\":[{\"local_embedding\":{\"model\":\"" + ZH + "\",\"field_map\":{\"text\":\"embedding\"}}}]}");
        node.call("PUT", "/zh", "{\"settings\":{\"index.binary_embeddings\":true,\"default_pipeline\":\"zh\",\"number_of_shards\":2,\"number_of_replicas\":0},"
            + "\"mappings\":{\"properties\":{\"text\":{\"type\":\"text\"},\"embedding\":{\"type\":\"binary_embedding\",\"dims\":512,\"model\":\"" + ZH + "\"}}}}");
        StringBuilder bulk = new StringBuilder();
        PASSAGES.forEach((id, text) -> bulk.append("{\"index\":{\"_id\":\"").append(id).append("\"}}\n{\"text\":").append(Json.string(text)).append("}\n"));
        Map<String, Object> r = node.call("POST", "/zh/_bulk?refresh=true", bulk.toString());
        assertEquals(r.toString(), false, r.get("errors"));
        for (Map.Entry<String, String> q : QUERIES.entrySet()) {
            Map<String, Object> res = node.call("POST", "/zh/_search", "{\"size\":3,\"_source\":false,\"query\":{\"binary_knn\":{\"field\":\"embedding\",\"query_text\":"
                + Json.string(q.getKey()) + ",\"k\":3}}}");
            List<String> ids = ids(hits(res));
            assertFalse("no hits for [" + q.getKey() + "]", ids.isEmpty());
            assertEquals("top hit for [" + q.getKey() + "]: " + ids, q.getValue(), ids.get(0));
        }
        // a mapping of another width than the model's is refused, naming the model's dims
        ResponseException bad = expectThrows(ResponseException.class, () -> node.call("PUT", "/zh-bad",
            "{\"settings\":{\"index.binary_embeddings\":true},\"mappings\":{\"properties\":{\"embedding\":{\"type\":\"binary_embedding\",\"dims\":384,\"model\":\"" + ZH + "\"}}}}"));
        assertEquals(400, bad.getResponse().getStatusLine().getStatusCode());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> awaitLoaded(LocalNodes.Node node) throws Exception {
        Map<String, Object>[] out = new Map[1];
        assertBusy(() -> {
            Map<String, Object> m = ((List<Map<String, Object>>) node.call("GET", "/_plugins/_binary_embeddings/models/" + ZH, null).get("models")).get(0);
            assertNotEquals("model failed: " + m, "failed", m.get("status"));
            assertEquals(m.toString(), "loaded", m.get("status"));
            out[0] = m;
        }, 5, java.util.concurrent.TimeUnit.MINUTES);
        return out[0];
    }

    @SuppressWarnings("unchecked")
    private static void assertSameVectors(String kind, LocalNodes.Node node, List<String> texts, EmbeddingModel reference, List<String> referenceTexts)
        throws IOException {
        String body = "{\"kind\":\"" + kind + "\",\"texts\":[" + texts.stream().map(Json::string).collect(Collectors.joining(",")) + "]}";
        List<List<Number>> ours = (List<List<Number>>) node.call("POST", "/_plugins/_binary_embeddings/models/" + ZH + "/_embed", body).get("embeddings");
        List<float[]> theirs = new ArrayList<>();
        reference.embedAll(referenceTexts.stream().map(TextSegment::from).toList()).content().forEach(e -> theirs.add(e.vector()));
        assertEquals(texts.size(), ours.size());
        double min = 1;
        for (int i = 0; i < texts.size(); i++) {
            float[] b = theirs.get(i);
            assertEquals(512, ours.get(i).size());
            assertEquals(512, b.length);
            double dot = 0, na = 0, nb = 0;
            for (int j = 0; j < b.length; j++) {
                double a = ours.get(i).get(j).doubleValue();
                dot += a * b[j];
                na += a * a;
                nb += (double) b[j] * b[j];
            }
            double cos = dot / Math.sqrt(na * nb);
            min = Math.min(min, cos);
            assertTrue(kind + " [" + texts.get(i) + "]: cosine to langchain4j " + cos, cos >= 0.999);
        }
        System.out.printf(java.util.Locale.ROOT, "bge-small-zh-v1.5 %s vectors: min cosine to langchain4j %.6f over %d texts%n", kind, min, texts.size());
    }
}
