package org.opensearch.binaryembeddings.e2e;

import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The local encoder in a real node: models API, _embed, and the local_embedding processor under bulk indexing. */
public class EncoderRealNodeIT extends RealNodeTestCase {

    private static final String BASE = "/_plugins/_binary_embeddings/models";
    private static final String BGE = "bge-small-en-v1.5-q";
    private static final String MINILM = "all-minilm-l6-v2-q";

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> modelsLoaded() throws Exception {
        List<Map<String, Object>>[] out = new List[1];
        assertBusy(() -> {
            Map<String, Object> r = call("GET", BASE, null);
            List<Map<String, Object>> models = (List<Map<String, Object>>) r.get("models");
            for (Map<String, Object> m : models) {
                assertEquals(m.toString(), "loaded", m.get("status"));
            }
            out[0] = models;
        }, 60, TimeUnit.SECONDS);
        return out[0];
    }

    private static ResponseException fails(String method, String path, String body) {
        return expectThrows(ResponseException.class, () -> call(method, path, body));
    }

    private static String bodyOf(ResponseException e) throws Exception {
        return EntityUtils.toString(e.getResponse().getEntity());
    }

    private static void assertBadRequest(String method, String path, String body, String... expected) throws Exception {
        ResponseException e = fails(method, path, body);
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
        String text = bodyOf(e);
        for (String s : expected) {
            assertTrue("expected [" + s + "] in " + text, text.contains(s));
        }
    }

    @SuppressWarnings("unchecked")
    public void testModelsApiListsBothBundledModels() throws Exception {
        List<Map<String, Object>> models = modelsLoaded();
        assertEquals(BGE, call("GET", BASE, null).get("default_model"));
        assertEquals(List.of(MINILM, BGE), models.stream().map(m -> m.get("name")).toList());
        Map<String, Object> bge = models.get(1);
        assertEquals(384, bge.get("dims"));
        assertEquals("cls", bge.get("pooling"));
        assertEquals(512, bge.get("max_tokens"));
        assertEquals(true, bge.get("normalize"));
        assertEquals("Represent this sentence for searching relevant passages: ", bge.get("query_prefix"));
        assertEquals("mean", models.get(0).get("pooling"));
        assertEquals(128, models.get(0).get("max_tokens"));
        Map<String, Object> inference = (Map<String, Object>) bge.get("inference");
        assertTrue(inference.keySet().containsAll(List.of("texts", "batches", "mean_batch_latency_ms", "mean_text_latency_ms")));
        Map<String, Object> one = call("GET", BASE + "/" + MINILM, null);
        assertEquals(1, ((List<?>) one.get("models")).size());
        assertBadRequest("GET", BASE + "/nope", null, "unknown model [nope]");
    }

    @SuppressWarnings("unchecked")
    public void testEmbedReturnsVectorsAndSignBits() throws Exception {
        modelsLoaded();
        Map<String, Object> r = call("POST", BASE + "/" + BGE + "/_embed",
            "{\"texts\": [\"what is a binary embedding\", \"hamming distance\"], \"kind\": \"query\", \"binary_dims\": 256}");
        assertEquals(BGE, r.get("model"));
        assertEquals("query", r.get("kind"));
        List<List<Number>> vectors = (List<List<Number>>) r.get("embeddings");
        List<String> bits = (List<String>) r.get("binary");
        assertEquals(2, vectors.size());
        assertEquals(2, bits.size());
        for (int t = 0; t < 2; t++) {
            List<Number> v = vectors.get(t);
            assertEquals(384, v.size());
            String hex = bits.get(t);
            assertEquals(64, hex.length());
            for (int i = 0; i < 256; i++) {
                int nibble = Character.digit(hex.charAt(i / 4), 16);
                boolean bit = (nibble & (8 >> (i % 4))) != 0;
                assertEquals("dim " + i, v.get(i).floatValue() > 0, bit);
            }
        }
        // passage kind (default) has no prefix for bge: a different vector than the query
        Map<String, Object> p = call("POST", BASE + "/" + BGE + "/_embed", "{\"texts\": [\"what is a binary embedding\"]}");
        assertEquals("passage", p.get("kind"));
        assertNull(p.get("binary"));
        List<Number> pv = ((List<List<Number>>) p.get("embeddings")).get(0);
        assertNotEquals(pv.get(0).floatValue(), vectors.get(0).get(0).floatValue(), 0f);
        Map<String, Object> stats = ((List<Map<String, Object>>) call("GET", BASE + "/" + BGE, null).get("models")).get(0);
        assertTrue(((Number) ((Map<String, Object>) stats.get("inference")).get("texts")).longValue() >= 3);
    }

    public void testEmbedRejectsBadInputNamingTheParameter() throws Exception {
        modelsLoaded();
        String embed = BASE + "/" + BGE + "/_embed";
        assertBadRequest("POST", BASE + "/nope/_embed", "{\"texts\": [\"x\"]}", "unknown model [nope]");
        assertBadRequest("POST", embed, "{\"texts\": []}", "[texts] must not be empty");
        assertBadRequest("POST", embed, "{\"texts\": \"x\"}", "[texts] must be an array of strings");
        assertBadRequest("POST", embed, "{\"texts\": [\"x\", 3]}", "[texts][1] must be a string");
        assertBadRequest("POST", embed, "{\"texts\": [\"x\", \" \"]}", "[texts][1] must not be empty");
        assertBadRequest("POST", embed, "{\"texts\": [\"x\"], \"kind\": \"document\"}", "[kind] must be [query] or [passage]");
        assertBadRequest("POST", embed, "{\"texts\": [\"x\"], \"binary_dims\": 12}", "[binary_dims] must be a positive multiple of 8");
        assertBadRequest("POST", embed, "{\"texts\": [\"x\"], \"binary_dims\": 392}", "[binary_dims]");
        assertBadRequest("POST", embed, "{\"texts\": [\"x\"], \"top_k\": 3}", "unknown parameter [top_k]");
        StringBuilder many = new StringBuilder("{\"texts\": [");
        for (int i = 0; i < 257; i++) {
            many.append(i == 0 ? "" : ",").append("\"t").append(i).append('"');
        }
        assertBadRequest("POST", embed, many.append("]}").toString(), "more than the limit of 256");
        assertBadRequest("POST", embed, null, "request body is required");
    }

    public void testPipelineWithUnknownModelIsRejected() throws Exception {
        assertBadRequest(
            "PUT",
            "/_ingest/pipeline/bad-model",
            "{\"processors\": [{\"local_embedding\": {\"model\": \"nope\", \"field_map\": {\"text\": \"embedding\"}}}]}",
            "unknown model [nope]; available: [" + MINILM + ", " + BGE + "]"
        );
        assertBadRequest(
            "PUT",
            "/_ingest/pipeline/bad-batch",
            "{\"processors\": [{\"local_embedding\": {\"field_map\": {\"text\": \"embedding\"}, \"batch_size\": 0}}]}",
            "batch_size"
        );
    }

    private static void putPipeline(String id) throws IOException {
        call("PUT", "/_ingest/pipeline/" + id,
            "{\"processors\": [{\"local_embedding\": {\"field_map\": {\"text\": \"embedding\"}, \"batch_size\": 32}}]}");
    }

    @SuppressWarnings("unchecked")
    public void testBulkOf500PassagesEmbedsEveryDocument() throws Exception {
        modelsLoaded();
        putPipeline("embed");
        call("PUT", "/passages", "{\"settings\": {\"number_of_shards\": 1, \"number_of_replicas\": 0}}");
        Request request = new Request("POST", "/passages/_bulk?pipeline=embed&refresh=true");
        request.setJsonEntity(Corpus.sample().extendedTo(500).bulkBody(0, 500, i -> ""));
        Response response = client().performRequest(request);
        Map<String, Object> result = entityAsMap(response);
        assertEquals("bulk errors: " + result, false, result.get("errors"));
        Map<String, Object> search = call("POST", "/passages/_search", "{\"size\": 500, \"query\": {\"match_all\": {}}}");
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) search.get("hits")).get("hits");
        assertEquals(500, hits.size());
        for (Map<String, Object> hit : hits) {
            List<Number> v = (List<Number>) ((Map<String, Object>) hit.get("_source")).get("embedding");
            assertNotNull("no embedding in " + hit.get("_id"), v);
            assertEquals(384, v.size());
            double norm = 0;
            for (Number x : v) {
                norm += x.doubleValue() * x.doubleValue();
            }
            assertEquals(1.0, norm, 1e-3);
        }
    }

    @SuppressWarnings("unchecked")
    public void testBadDocumentsFailAloneInABulk() throws Exception {
        modelsLoaded();
        putPipeline("embed-strict");
        call("PUT", "/mixed", "{\"settings\": {\"number_of_shards\": 1, \"number_of_replicas\": 0}}");
        String bulk = String.join("\n",
            "{\"index\": {\"_id\": \"good-1\"}}", "{\"text\": \"a perfectly fine passage\"}",
            "{\"index\": {\"_id\": \"number\"}}", "{\"text\": 12345}",
            "{\"index\": {\"_id\": \"missing\"}}", "{\"title\": \"no text here\"}",
            "{\"index\": {\"_id\": \"empty\"}}", "{\"text\": \"\"}",
            "{\"index\": {\"_id\": \"good-2\"}}", "{\"text\": \"another fine passage\"}") + "\n";
        Request request = new Request("POST", "/mixed/_bulk?pipeline=embed-strict&refresh=true");
        request.setJsonEntity(bulk);
        Map<String, Object> result = entityAsMap(client().performRequest(request));
        assertEquals(true, result.get("errors"));
        List<Map<String, Object>> items = (List<Map<String, Object>>) result.get("items");
        assertEquals(5, items.size());
        Map<String, String> errors = new java.util.HashMap<>();
        for (Map<String, Object> item : items) {
            Map<String, Object> index = (Map<String, Object>) item.get("index");
            Object error = index.get("error");
            if (error != null) {
                errors.put((String) index.get("_id"), ((Map<String, Object>) error).get("reason").toString());
            } else {
                assertEquals(201, index.get("status"));
            }
        }
        assertEquals(Map.of(
            "number", "field [text] must be a string or an array of strings, not a number [12345]",
            "missing", "field [text] is missing (set ignore_missing to skip such documents)",
            "empty", "field [text] is empty: there is no text to embed"
        ), errors);
        Map<String, Object> count = call("GET", "/mixed/_count", null);
        assertEquals(2, count.get("count"));
        Map<String, Object> good = call("GET", "/mixed/_doc/good-2", null);
        assertEquals(384, ((List<?>) ((Map<String, Object>) good.get("_source")).get("embedding")).size());
    }
}
