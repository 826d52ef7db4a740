package org.opensearch.binaryembeddings.e2e;

import org.opensearch.client.Request;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.opensearch.binaryembeddings.testsupport.Vectors.unitAsStored;

/**
 * Vectors are stored once, in the codec's files, and rebuilt into {@code _source} when a document is read (issue 15),
 * on a real node: GET and search hits show them (exact float32 values of the truncated, normalized vector; the int8
 * approximation; hex bits for a bits-only field), reindex into the same and into a different mapping, {@code _update}
 * of another field (partial and scripted) and {@code _update_by_query} leave them bit-exact, the rebuilt truncated
 * vector re-indexed gives the same bits and rescoring values, the index is smaller than with {@code source: stored},
 * which keeps returning the literal JSON.
 */
public class DerivedSourceIT extends RealNodeTestCase {

    private static final int DIMS = 64;
    private static final int TRUNC = 48;
    private static final int DOCS = 40;

    private static String mapping(String extra) {
        return "{\"settings\":{\"index.binary_embeddings\":true,\"number_of_shards\":1,\"number_of_replicas\":0},"
            + "\"mappings\":{\"properties\":{\"n\":{\"type\":\"integer\"},\"text\":{\"type\":\"text\"},"
            + "\"e\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + ",\"truncate_to\":" + TRUNC + extra + "},"
            + "\"q\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + ",\"rescore\":{\"precision\":\"int8\"}" + extra + "},"
            + "\"b\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + ",\"rescore\":{\"precision\":\"none\"}" + extra + "}}}}";
    }

    private static float[][] vectors(long seed) {
        Random r = new Random(seed);
        float[][] v = new float[DOCS][DIMS];
        for (float[] x : v) {
            for (int j = 0; j < DIMS; j++) {
                x[j] = (float) r.nextGaussian();
            }
        }
        return v;
    }

    private static String json(float[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ",").append(v[i]);
        }
        return b.append(']').toString();
    }

    private static void load(String index, float[][] v) throws IOException {
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            bulk.append("{\"index\":{\"_id\":\"").append(i).append("\"}}\n");
            bulk.append(String.format(Locale.ROOT, "{\"n\":%d,\"text\":\"doc %d\",\"e\":%s,\"q\":%s,\"b\":%s}\n", i, i, json(v[i]), json(v[i]), json(v[i])));
        }
        Request request = new Request("POST", "/" + index + "/_bulk?refresh=true");
        request.setJsonEntity(bulk.toString());
        Map<String, Object> r = entityAsMap(client().performRequest(request));
        assertEquals("bulk errors: " + r, false, r.get("errors"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> source(String index, String id) throws IOException {
        Map<String, Object> r = call("GET", "/" + index + "/_doc/" + id, null);
        assertEquals(true, r.get("found"));
        return (Map<String, Object>) r.get("_source");
    }

    private static float[] floats(Object o) {
        List<?> l = (List<?>) o;
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((Number) l.get(i)).floatValue();
        }
        return f;
    }

    /** What the field stores for {@code v}: the leading TRUNC values, unit length (divided in double, as VectorInput does). */
    private static float[] truncatedUnit(float[] v) {
        return unitAsStored(java.util.Arrays.copyOf(v, TRUNC));
    }

    private static String hexBits(float[] v) {
        byte[] bits = new byte[DIMS / 8];
        for (int i = 0; i < DIMS; i++) {
            if (v[i] > 0) {
                bits[i / 8] |= (byte) (0x80 >>> (i % 8));
            }
        }
        return HexFormat.of().formatHex(bits);
    }

    /** Ids and scores of every document for a binary_knn query on the exact path, with or without rescoring. */
    @SuppressWarnings("unchecked")
    private static List<String> knn(String index, String field, float[] query, boolean rescore) throws IOException {
        String body = "{\"size\":" + DOCS + ",\"_source\":false,\"query\":{\"binary_knn\":{\"field\":\"" + field + "\",\"vector\":" + json(query)
            + ",\"k\":" + DOCS + ",\"num_candidates\":10000,\"rescore\":" + rescore + "}}}";
        Map<String, Object> r = call("POST", "/" + index + "/_search", body);
        List<String> out = new ArrayList<>();
        for (Map<String, Object> h : (List<Map<String, Object>>) ((Map<String, Object>) r.get("hits")).get("hits")) {
            out.add(h.get("_id") + ":" + h.get("_score"));
        }
        assertEquals(DOCS, out.size());
        // every document, ordered by score then id: ties do not depend on which segment a document landed in
        out.sort(java.util.Comparator.comparing((String h) -> -Double.parseDouble(h.split(":")[1])).thenComparing(h -> h));
        return out;
    }

    private static Map<String, List<Object>> vectorsOf(String index) throws IOException {
        Map<String, List<Object>> out = new HashMap<>();
        for (int i = 0; i < DOCS; i++) {
            Map<String, Object> s = source(index, Integer.toString(i));
            out.put(Integer.toString(i), List.of(s.get("e"), s.get("q"), s.get("b")));
        }
        return out;
    }

    /** float32 values and bits exactly, int8 values within a quantization step. */
    private static void assertSameVectors(Map<String, List<Object>> expected, Map<String, List<Object>> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String id : expected.keySet()) {
            assertEquals(id + " e", expected.get(id).get(0), actual.get(id).get(0));
            assertEquals(id + " b", expected.get(id).get(2), actual.get(id).get(2));
            assertArrayEquals(id + " q", floats(expected.get(id).get(1)), floats(actual.get(id).get(1)), 0.01f);
        }
    }

    private void assertSameResults(String a, String b, float[][] queries) throws IOException {
        for (float[] q : queries) {
            for (String field : List.of("e", "q", "b")) {
                for (boolean rescore : field.equals("b") ? List.of(false) : List.of(true, false)) {
                    List<String> x = knn(a, field, q, rescore), y = knn(b, field, q, rescore);
                    if (field.equals("q") && rescore) {
                        // int8 values re-quantized after renormalization may move by float rounding: same ids, close scores
                        for (int i = 0; i < x.size(); i++) {
                            String[] hx = x.get(i).split(":"), hy = y.get(i).split(":");
                            assertEquals(x + " vs " + y, hx[0], hy[0]);
                            assertEquals(x + " vs " + y, Double.parseDouble(hx[1]), Double.parseDouble(hy[1]), 1e-3);
                        }
                    } else {
                        assertEquals(field + " rescore=" + rescore, x, y);
                    }
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    public void testGetAndSearchShowRebuiltVectorsAndStoredKeepsTheJson() throws Exception {
        float[][] v = vectors(1);
        call("PUT", "/derived", mapping(""));
        call("PUT", "/stored", mapping(",\"source\":\"stored\""));
        load("derived", v);
        load("stored", v);

        for (int i = 0; i < DOCS; i += 7) {
            Map<String, Object> s = source("derived", Integer.toString(i));
            assertArrayEquals("float32: the stored truncated unit vector, exactly", truncatedUnit(v[i]), floats(s.get("e")), 0f);
            float[] q = floats(s.get("q"));
            assertEquals(DIMS, q.length);
            float[] unit = unitAsStored(v[i]);
            for (int j = 0; j < DIMS; j++) {
                assertEquals("int8: the stored approximation", unit[j], q[j], 0.02f);
            }
            assertEquals("bits only: hex", hexBits(v[i]), s.get("b"));
            assertEquals(i, ((Number) s.get("n")).intValue());

            Map<String, Object> literal = source("stored", Integer.toString(i));
            assertArrayEquals("source: stored keeps the literal JSON", v[i], floats(literal.get("e")), 0f);
            assertArrayEquals(v[i], floats(literal.get("b")), 0f);
        }

        // search hits show the same _source as GET, and request-time source filtering still applies
        Map<String, Object> r = call("POST", "/derived/_search", "{\"size\":" + DOCS + ",\"query\":{\"match_all\":{}}}");
        List<Map<String, Object>> hits = (List<Map<String, Object>>) ((Map<String, Object>) r.get("hits")).get("hits");
        assertEquals(DOCS, hits.size());
        for (Map<String, Object> h : hits) {
            assertEquals(source("derived", (String) h.get("_id")), h.get("_source"));
        }
        r = call("POST", "/derived/_search", "{\"size\":1,\"_source\":{\"excludes\":[\"e\",\"q\"]},\"query\":{\"match_all\":{}}}");
        Map<String, Object> filtered = (Map<String, Object>) ((List<Map<String, Object>>) ((Map<String, Object>) r.get("hits")).get("hits")).get(0).get("_source");
        assertFalse(filtered.containsKey("e"));
        assertTrue(filtered.containsKey("b"));

        // the vectors' JSON is gone from the stored documents: the derived index is smaller by most of it
        call("POST", "/derived,stored/_forcemerge?max_num_segments=1", null);
        long derived = storeBytes("derived");
        long stored = storeBytes("stored");
        assertTrue("derived " + derived + " stored " + stored, derived < stored * 0.6);
    }

    public void testIndexWideDerivedSourceOfOpenSearch() throws Exception {
        float[][] v = vectors(4);
        call("PUT", "/core", "{\"settings\":{\"index.binary_embeddings\":true,\"index.derived_source.enabled\":true,\"number_of_shards\":1,"
            + "\"number_of_replicas\":0},\"mappings\":{\"properties\":{\"n\":{\"type\":\"integer\"},\"text\":{\"type\":\"text\",\"store\":true},"
            + "\"e\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + ",\"truncate_to\":" + TRUNC + "},"
            + "\"q\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + ",\"rescore\":{\"precision\":\"int8\"}},"
            + "\"b\":{\"type\":\"binary_embedding\",\"dims\":" + DIMS + ",\"rescore\":{\"precision\":\"none\"}}}}}");
        load("core", v);
        for (int i = 0; i < DOCS; i += 9) {
            Map<String, Object> s = source("core", Integer.toString(i));
            assertArrayEquals(truncatedUnit(v[i]), floats(s.get("e")), 0f);
            assertArrayEquals(unitAsStored(v[i]), floats(s.get("q")), 0.02f);
            assertEquals(hexBits(v[i]), s.get("b"));
            assertEquals(i, ((Number) s.get("n")).intValue());
        }
    }

    @SuppressWarnings("unchecked")
    private static long storeBytes(String index) throws IOException {
        Map<String, Object> r = call("GET", "/" + index + "/_stats/store", null);
        Map<String, Object> store = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) r.get("indices")).get(index))
            .get("primaries")).get("store");
        return ((Number) store.get("size_in_bytes")).longValue();
    }

    public void testReindexUpdateAndUpdateByQueryKeepTheVectors() throws Exception {
        float[][] v = vectors(2);
        float[][] queries = vectors(3);
        call("PUT", "/src", mapping(""));
        load("src", v);
        Map<String, List<Object>> before = vectorsOf("src");

        // reindex into the same mapping: same rebuilt values, same bits and rescoring values (same scores, both paths)
        call("PUT", "/same", mapping(""));
        call("POST", "/_reindex?refresh=true", "{\"source\":{\"index\":\"src\"},\"dest\":{\"index\":\"same\"}}");
        assertSameVectors(before, vectorsOf("same"));
        assertSameResults("src", "same", new float[][] { queries[0], queries[1], queries[2] });

        // reindex into a different mapping (plain numbers and a keyword, no plugin index): the rebuilt values literally
        call("PUT", "/plain", "{\"settings\":{\"number_of_replicas\":0},\"mappings\":{\"properties\":{\"e\":{\"type\":\"float\"},"
            + "\"q\":{\"type\":\"float\"},\"b\":{\"type\":\"keyword\"}}}}");
        call("POST", "/_reindex?refresh=true", "{\"source\":{\"index\":\"src\"},\"dest\":{\"index\":\"plain\"}}");
        for (String id : List.of("0", "13", "39")) {
            Map<String, Object> s = source("plain", id);
            assertEquals(before.get(id).get(0), s.get("e"));
            assertEquals(before.get(id).get(1), s.get("q"));
            assertEquals(before.get(id).get(2), s.get("b"));
        }

        // _update of another field, partial and scripted: vectors bit-exact, scores unchanged
        List<String> ranked = knn("src", "e", queries[4], true);
        List<String> rankedBits = knn("src", "q", queries[4], false);
        call("POST", "/src/_update/5?refresh=true", "{\"doc\":{\"n\":500}}");
        call("POST", "/src/_update/6?refresh=true", "{\"script\":{\"source\":\"ctx._source.n += 1000\"}}");
        assertEquals(500, ((Number) source("src", "5").get("n")).intValue());
        assertEquals(1006, ((Number) source("src", "6").get("n")).intValue());
        assertSameVectors(before, vectorsOf("src"));
        assertEquals(ranked, knn("src", "e", queries[4], true));
        assertEquals("int8 field: the sign bits survive the rebuild", rankedBits, knn("src", "q", queries[4], false));

        // _update_by_query rewrites every document: still the same vectors and results
        Map<String, Object> r = call("POST", "/src/_update_by_query?refresh=true", "{\"script\":{\"source\":\"ctx._source.text = 'changed'\"}}");
        assertEquals(DOCS, ((Number) r.get("updated")).intValue());
        assertEquals("changed", source("src", "9").get("text"));
        assertSameVectors(before, vectorsOf("src"));
        call("POST", "/src/_forcemerge?max_num_segments=1", null);
        assertSameVectors(before, vectorsOf("src"));
        assertSameResults("src", "same", new float[][] { queries[0], queries[4] });
    }
}
