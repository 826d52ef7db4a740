package org.opensearch.binaryembeddings.e2e;

import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.opensearch.binaryembeddings.testsupport.SearchResponses.hits;
import static org.opensearch.binaryembeddings.testsupport.SearchResponses.ids;

/**
 * Answers that used to be silently wrong or silently empty (issue 19), against a real node: each must now be right or
 * a 400 that says what to write instead.
 */
public class SilentWrongAnswersIT extends RealNodeTestCase {

    private static final int DIMS = 16;

    // ---------------------------------------------------------------------------------------------------------------
    // binary_hybrid and documents with nested objects

    /**
     * Documents with nested objects (one level, two levels, several children, an empty array) are found by
     * binary_hybrid like the others, with every fusion method, inside bool, on one and on three shards; _explain agrees.
     * They used to be dropped: the fused hits were looked up by _id, which the hidden nested documents share.
     */
    public void testHybridFindsDocumentsWithNestedObjects() throws IOException {
        for (int shards : new int[] { 1, 3 }) {
            String index = "sw-nested-" + shards;
            call("PUT", "/" + index, json("{'settings':{'index.binary_embeddings':true,'number_of_shards':" + shards + ",'number_of_replicas':0},"
                + "'mappings':{'properties':{'text':{'type':'text'},'tag':{'type':'keyword'},'vec':{'type':'binary_embedding','dims':" + DIMS + "},"
                + "'authors':{'type':'nested','properties':{'name':{'type':'keyword'},"
                + "'affiliations':{'type':'nested','properties':{'org':{'type':'keyword'}}}}},"
                + "'comments':{'type':'nested','properties':{'text':{'type':'text'}}}}}}"));
            Random random = new Random(19);
            String[] sources = {
                "{'text':'red apple pie','tag':'x'",                                          // no nested objects
                "{'text':'red apple pie','tag':'x','authors':[{'name':'a'}]",                 // one child
                "{'text':'red apple pie','tag':'x','authors':[{'name':'a'},{'name':'b'}],'comments':[{'text':'nice'}]",
                "{'text':'red apple pie','tag':'x','authors':[{'name':'a','affiliations':[{'org':'u'},{'org':'v'}]}]", // two levels
                "{'text':'red apple pie','tag':'y','authors':[]",                             // empty nested array
                "{'text':'green apple tart','tag':'x','comments':[{'text':'apple'}]" };
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < sources.length; i++) {
                bulk.append("{'index':{'_id':'n").append(i).append("'}}\n").append(sources[i]).append(",'vec':").append(vector(random, 1)).append("}\n");
            }
            // unrelated documents, so the fused list is longer than the nested ones
            for (int i = 0; i < 20; i++) {
                bulk.append("{'index':{'_id':'o").append(i).append("'}}\n{'text':'blue car','tag':'z','authors':[{'name':'c'}],'vec':")
                    .append(vector(random, -1)).append("}\n");
            }
            Map<String, Object> r = call("POST", "/" + index + "/_bulk?refresh=true", json(bulk.toString()));
            assertEquals(r.toString(), false, r.get("errors"));
            Set<String> expected = Set.of("n0", "n1", "n2", "n3", "n4", "n5");
            String vec = "'vector':{'field':'vec','vector':" + vector(new Random(7), 1) + ",'k':10},'window':10";
            for (String fusion : new String[] { "", ",'fusion':{'method':'rrf'}", ",'fusion':{'method':'rerank'}",
                ",'fusion':{'normalization':'min_max'}" }) {
                String hybrid = "{'binary_hybrid':{'keyword':{'match':{'text':'apple'}}," + vec + fusion + "}}";
                Map<String, Object> s = call("POST", "/" + index + "/_search", json("{'size':50,'query':" + hybrid + "}"));
                // every keyword match is a candidate (the vector list may add some of the other documents)
                assertTrue(index + " " + fusion + ": " + ids(s), new HashSet<>(ids(s)).containsAll(expected));
                if (fusion.contains("rerank")) {
                    assertEquals(expected, new HashSet<>(ids(s)));
                }
                // inside bool with a filter on the root document
                Map<String, Object> b = call("POST", "/" + index + "/_search",
                    json("{'size':50,'query':{'bool':{'must':[" + hybrid + "],'filter':[{'term':{'tag':'x'}}]}}}"));
                assertEquals(index + " bool " + fusion, Set.of("n0", "n1", "n2", "n3", "n5"), new HashSet<>(ids(b)));
                // with a nested query beside it
                Map<String, Object> n = call("POST", "/" + index + "/_search", json("{'size':50,'query':{'bool':{'must':[" + hybrid
                    + "],'filter':[{'nested':{'path':'authors','query':{'term':{'authors.name':'a'}}}}]}}}"));
                assertEquals(index + " nested filter " + fusion, Set.of("n1", "n2", "n3"), new HashSet<>(ids(n)));
            }
            Map<String, Object> explain = call("POST", "/" + index + "/_explain/n3",
                json("{'query':{'binary_hybrid':{'keyword':{'match':{'text':'apple'}}," + vec + "}}}"));
            assertEquals(explain.toString(), true, explain.get("matched"));
        }
    }

    /**
     * The binary_hybrid explanation adds up to _score (it used to list raw scores beside a hidden shift), and
     * highlighting without highlight_query marks the keyword part's terms (it used to mark nothing).
     */
    public void testHybridExplanationAndHighlight() throws IOException {
        String index = "sw-explain";
        call("PUT", "/" + index, json("{'settings':{'index.binary_embeddings':true,'number_of_shards':2,'number_of_replicas':0},"
            + "'mappings':{'properties':{'text':{'type':'text'},'vec':{'type':'binary_embedding','dims':" + DIMS + "}}}}"));
        Random random = new Random(13);
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            bulk.append("{'index':{'_id':'e").append(i).append("'}}\n{'text':'").append(i % 3 == 0 ? "a red apple" : "a blue car")
                .append("','vec':").append(vector(random, i % 2 == 0 ? 1 : -1)).append("}\n");
        }
        Map<String, Object> r = call("POST", "/" + index + "/_bulk?refresh=true", json(bulk.toString()));
        assertEquals(r.toString(), false, r.get("errors"));
        String q = vector(new Random(11), 1);
        for (String fusion : new String[] { "", ",'fusion':{'method':'rrf'}", ",'fusion':{'method':'rerank'}", ",'fusion':{'normalization':'z_score'}" }) {
            Map<String, Object> s = call("POST", "/" + index + "/_search", json("{'size':30,'explain':true,'highlight':{'fields':{'text':{}}},"
                + "'query':{'binary_hybrid':{'keyword':{'match':{'text':'apple'}},'vector':{'field':'vec','vector':" + q + "}" + fusion + "}}}"));
            assertFalse(hits(s).isEmpty());
            for (Map<String, Object> h : hits(s)) {
                double score = ((Number) h.get("_score")).doubleValue();
                Map<?, ?> explanation = (Map<?, ?>) h.get("_explanation");
                assertEquals(fusion + " " + explanation, score, ((Number) explanation.get("value")).doubleValue(), 1e-5);
                double sum = 0;
                for (Object d : (List<?>) explanation.get("details")) {
                    sum += ((Number) ((Map<?, ?>) d).get("value")).doubleValue();
                }
                assertEquals(fusion + " details add up: " + explanation, score, sum, 1e-4);
                String id = (String) h.get("_id");
                if (Integer.parseInt(id.substring(1)) % 3 == 0) {
                    assertEquals(fusion + " " + h, "{text=[a red <em>apple</em>]}", String.valueOf(h.get("highlight")));
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // packed bits

    /**
     * Hex of the wrong length used to be read as base64 whenever its length happened to be the base64 length of the
     * field's bytes (256 bits as hex = 384 bits as base64; 128/192, 512/768): garbage bits were stored or searched. Now
     * a string of hex digits is hex and must have the field's length, for documents and for query bits alike.
     */
    public void testPackedBitsAreUnambiguous() throws Exception {
        int[][] mixUps = { { 384, 256 }, { 192, 128 }, { 768, 512 } };
        for (int[] mixUp : mixUps) {
            int bits = mixUp[0], shorter = mixUp[1];
            String index = "sw-packed-" + bits;
            call("PUT", "/" + index, json("{'settings':{'index.binary_embeddings':true,'number_of_shards':1,'number_of_replicas':0},"
                + "'mappings':{'properties':{'b':{'type':'binary_embedding','dims':" + bits + ",'input':'packed'}}}}"));
            Random random = new Random(bits);
            byte[] right = new byte[bits / 8];
            random.nextBytes(right);
            String hex = hex(right);
            String base64 = Base64.getEncoder().encodeToString(right);
            String wrongHex = hex.substring(0, shorter / 4); // valid hex of the shorter length
            assertEquals("the mix-up: base64 of the field's length", base64.length(), wrongHex.length());
            String expected = (bits / 4) + " hex digits or " + base64.length() + " base64 characters";

            ResponseException e = expectThrows(ResponseException.class,
                () -> call("PUT", "/" + index + "/_doc/wrong?refresh=true", json("{'b':'" + wrongHex + "'}")));
            assertBadRequest(e, "field [b]", expected);
            call("PUT", "/" + index + "/_doc/hex?refresh=true", json("{'b':'" + hex + "'}"));
            if (base64.chars().allMatch(c -> Character.digit(c, 16) >= 0) == false) {
                call("PUT", "/" + index + "/_doc/base64?refresh=true", json("{'b':'" + base64 + "'}"));
            }
            Map<String, Object> count = call("GET", "/" + index + "/_count", null);
            assertEquals(2, ((Number) count.get("count")).intValue());

            e = expectThrows(ResponseException.class, () -> call("POST", "/" + index + "/_search",
                json("{'query':{'binary_knn':{'field':'b','bits':'" + wrongHex + "'}}}")));
            assertBadRequest(e, "[bits]", expected);
            // both encodings of the same bits are the same query: both documents at similarity 1
            for (String q : new String[] { hex, base64 }) {
                Map<String, Object> s = call("POST", "/" + index + "/_search", json("{'query':{'binary_knn':{'field':'b','bits':'" + q + "'}}}"));
                assertEquals(Set.of("hex", "base64"), new HashSet<>(ids(s)));
                for (Map<String, Object> h : hits(s)) {
                    assertEquals(1.0, ((Number) h.get("_score")).doubleValue(), 1e-6);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // filtered aliases

    /**
     * Through a filtered alias, binary_knn returns what the {@code filter} parameter returns (k hits, the same ids and
     * scores), also through two aliases at once and with a filter of its own; binary_hybrid through the alias equals
     * binary_hybrid with the alias filter in its keyword part and vector.filter. The alias filter used to be applied
     * after the top k were chosen, leaving few or no hits.
     */
    public void testFilteredAliasesShapeTheCandidates() throws IOException {
        String index = "sw-alias";
        call("PUT", "/" + index, json("{'settings':{'index.binary_embeddings':true,'number_of_shards':1,'number_of_replicas':0},"
            + "'mappings':{'properties':{'text':{'type':'text'},'tenant':{'type':'keyword'},'vec':{'type':'binary_embedding','dims':" + DIMS + "}}}}"));
        Random random = new Random(5);
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 155; i++) {
            // tenants b and c lie away from the query: an unfiltered top 10 holds none of them
            String tenant = i < 30 ? "b" : i < 45 ? "c" : "a";
            bulk.append("{'index':{'_id':'d").append(i).append("'}}\n{'text':'apple ").append(i % 7 == 0 ? "pie" : "tree")
                .append("','tenant':'").append(tenant).append("','vec':").append(vector(random, tenant.equals("a") ? 1 : -1)).append("}\n");
        }
        Map<String, Object> r = call("POST", "/" + index + "/_bulk?refresh=true", json(bulk.toString()));
        assertEquals(r.toString(), false, r.get("errors"));
        call("POST", "/_aliases", json("{'actions':[{'add':{'index':'" + index + "','alias':'sw-tenant-b','filter':{'term':{'tenant':'b'}}}},"
            + "{'add':{'index':'" + index + "','alias':'sw-tenant-c','filter':{'term':{'tenant':'c'}}}}]}"));
        String q = vector(new Random(11), 1);

        Map<String, Object> viaAlias = call("POST", "/sw-tenant-b/_search", json("{'size':20,'query':{'binary_knn':{'field':'vec','vector':" + q + ",'k':10}}}"));
        Map<String, Object> viaFilter = call("POST", "/" + index + "/_search",
            json("{'size':20,'query':{'binary_knn':{'field':'vec','vector':" + q + ",'k':10,'filter':{'term':{'tenant':'b'}}}}}"));
        assertEquals(10, ids(viaFilter).size());
        assertEquals(scored(viaFilter), scored(viaAlias));

        Map<String, Object> two = call("POST", "/sw-tenant-b,sw-tenant-c/_search",
            json("{'size':20,'query':{'binary_knn':{'field':'vec','vector':" + q + ",'k':10}}}"));
        Map<String, Object> twoFilter = call("POST", "/" + index + "/_search",
            json("{'size':20,'query':{'binary_knn':{'field':'vec','vector':" + q + ",'k':10,'filter':{'terms':{'tenant':['b','c']}}}}}"));
        assertEquals(scored(twoFilter), scored(two));

        // the alias filter and the query's own filter together
        Map<String, Object> both = call("POST", "/sw-tenant-b/_search",
            json("{'size':20,'query':{'binary_knn':{'field':'vec','vector':" + q + ",'k':5,'filter':{'match':{'text':'pie'}}}}}"));
        Map<String, Object> bothFilter = call("POST", "/" + index + "/_search", json("{'size':20,'query':{'binary_knn':{'field':'vec','vector':" + q
            + ",'k':5,'filter':{'bool':{'filter':[{'term':{'tenant':'b'}},{'match':{'text':'pie'}}]}}}}}"));
        assertFalse(ids(bothFilter).isEmpty());
        assertEquals(scored(bothFilter), scored(both));

        Map<String, Object> hybridAlias = call("POST", "/sw-tenant-b/_search", json("{'size':20,'query':{'binary_hybrid':{"
            + "'keyword':{'match':{'text':'pie'}},'vector':{'field':'vec','vector':" + q + ",'k':10},'window':10}}}"));
        Map<String, Object> hybridFilter = call("POST", "/" + index + "/_search", json("{'size':20,'query':{'binary_hybrid':{"
            + "'keyword':{'bool':{'must':[{'match':{'text':'pie'}}],'filter':[{'term':{'tenant':'b'}}]}},"
            + "'vector':{'field':'vec','vector':" + q + ",'k':10,'filter':{'term':{'tenant':'b'}}},'window':10}}}"));
        assertTrue(ids(hybridFilter).toString(), ids(hybridFilter).size() >= 10);
        assertEquals(scored(hybridFilter), scored(hybridAlias));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // nested fields, field aliases

    /**
     * binary_knn on a field inside a nested object without a nested query around it, and binary_hybrid inside a nested
     * query, used to return nothing: now a 400 that says what to write; inside a nested query binary_knn finds the
     * documents, and so does binary_hybrid with the nested field as its vector field. binary_knn on a field alias used to return nothing (and query_text on it a 400): it now searches the
     * target field.
     */
    public void testNestedFieldsAndFieldAliases() throws Exception {
        String index = "sw-nested-field";
        call("PUT", "/" + index, json("{'settings':{'index.binary_embeddings':true,'number_of_shards':1,'number_of_replicas':0},"
            + "'mappings':{'properties':{'text':{'type':'text'},'vec':{'type':'binary_embedding','dims':" + DIMS + "},"
            + "'vec_alias':{'type':'alias','path':'vec'},"
            + "'chunks':{'type':'nested','properties':{'vec':{'type':'binary_embedding','dims':" + DIMS + "}}}}}}"));
        Random random = new Random(3);
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            bulk.append("{'index':{'_id':'p").append(i).append("'}}\n{'text':'apple','vec':").append(vector(random, 1))
                .append(",'chunks':[{'vec':").append(vector(random, 1)).append("},{'vec':").append(vector(random, 1)).append("}]}\n");
        }
        Map<String, Object> r = call("POST", "/" + index + "/_bulk?refresh=true", json(bulk.toString()));
        assertEquals(r.toString(), false, r.get("errors"));
        String q = vector(new Random(11), 1);

        ResponseException e = expectThrows(ResponseException.class, () -> call("POST", "/" + index + "/_search",
            json("{'query':{'binary_knn':{'field':'chunks.vec','vector':" + q + "}}}")));
        assertBadRequest(e, "[chunks.vec]", "nested");
        Map<String, Object> nested = call("POST", "/" + index + "/_search",
            json("{'query':{'nested':{'path':'chunks','query':{'binary_knn':{'field':'chunks.vec','vector':" + q + ",'k':10}}}}}"));
        assertEquals(Set.of("p0", "p1", "p2", "p3", "p4"), new HashSet<>(ids(nested)));

        // binary_hybrid with the nested field: the vector list ranks the parents by their chunks (issue 17)
        Map<String, Object> hybrid = call("POST", "/" + index + "/_search", json("{'query':{'binary_hybrid':{"
            + "'keyword':{'match':{'text':'apple'}},'vector':{'field':'chunks.vec','vector':" + q + "}}}}"));
        assertEquals(Set.of("p0", "p1", "p2", "p3", "p4"), new HashSet<>(ids(hybrid)));
        e = expectThrows(ResponseException.class, () -> call("POST", "/" + index + "/_search", json("{'query':{'nested':{'path':'chunks',"
            + "'query':{'binary_hybrid':{'keyword':{'match':{'text':'apple'}},'vector':{'field':'vec','vector':" + q + "}}}}}}")));
        assertBadRequest(e, "[binary_hybrid]", "nested");

        Map<String, Object> target = call("POST", "/" + index + "/_search", json("{'query':{'binary_knn':{'field':'vec','vector':" + q + "}}}"));
        Map<String, Object> alias = call("POST", "/" + index + "/_search", json("{'query':{'binary_knn':{'field':'vec_alias','vector':" + q + "}}}"));
        assertEquals(5, ids(target).size());
        assertEquals(scored(target), scored(alias));
    }

    /** A binary_knn stored in a percolator field used to match nothing when percolating: now a 400 that says so. */
    public void testPercolatedBinaryKnnIsRefused() throws Exception {
        String index = "sw-percolate";
        call("PUT", "/" + index, json("{'settings':{'index.binary_embeddings':true,'number_of_shards':1,'number_of_replicas':0},"
            + "'mappings':{'properties':{'q':{'type':'percolator'},'vec':{'type':'binary_embedding','dims':8}}}}"));
        call("PUT", "/" + index + "/_doc/stored?refresh=true",
            json("{'q':{'binary_knn':{'field':'vec','vector':[1,1,1,1,-1,-1,-1,-1]}}}"));
        ResponseException e = expectThrows(ResponseException.class, () -> call("POST", "/" + index + "/_search",
            json("{'query':{'percolate':{'field':'q','document':{'vec':[1,1,1,1,-1,-1,-1,-1]}}}}")));
        assertBadRequest(e, "[binary_knn]", "percolat");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // models: mappings and queries

    private static final String BGE = "bge-small-en-v1.5-q";
    private static final String MINILM = "all-minilm-l6-v2-q";

    /**
     * A mapping naming a model no node has (or one whose vectors do not fit [dims]) used to be accepted and every
     * query_text to fail later: now a 400 listing the models. A query [model] other than the field's used to score
     * across two embedding spaces: now a 400. A dimension mismatch named "model [null]": now the model that encoded.
     */
    public void testModelsInMappingsAndQueries() throws Exception {
        assertBusy(() -> {
            for (Object m : (List<?>) call("GET", "/_plugins/_binary_embeddings/models", null).get("models")) {
                assertEquals(m.toString(), "loaded", ((Map<?, ?>) m).get("status"));
            }
        }, 60, java.util.concurrent.TimeUnit.SECONDS);
        String settings = "'settings':{'index.binary_embeddings':true,'number_of_shards':1,'number_of_replicas':0}";
        ResponseException e = expectThrows(ResponseException.class, () -> call("PUT", "/sw-model-nope",
            json("{" + settings + ",'mappings':{'properties':{'e':{'type':'binary_embedding','dims':384,'model':'nope-model'}}}}")));
        assertBadRequest(e, "[e]", "[nope-model]", BGE, MINILM);
        e = expectThrows(ResponseException.class, () -> call("PUT", "/sw-model-nope",
            json("{" + settings + ",'mappings':{'properties':{'doc':{'properties':{'e':{'type':'binary_embedding','dims':384,'model':'nope-model'}}}}}}")));
        assertBadRequest(e, "[doc.e]", "[nope-model]", BGE);
        e = expectThrows(ResponseException.class, () -> call("PUT", "/sw-model-nope",
            json("{" + settings + ",'mappings':{'properties':{'e':{'type':'binary_embedding','dims':256,'model':'" + BGE + "'}}}}")));
        assertBadRequest(e, "[e]", "[dims]", "384");
        call("PUT", "/sw-model-minilm", json("{" + settings + ",'mappings':{'properties':{'text':{'type':'text'},"
            + "'e':{'type':'binary_embedding','dims':384,'model':'" + MINILM + "'}}}}"));
        e = expectThrows(ResponseException.class, () -> call("PUT", "/sw-model-minilm/_mapping",
            json("{'properties':{'f':{'type':'binary_embedding','dims':384,'model':'nope-model'}}}")));
        assertBadRequest(e, "[f]", "[nope-model]", MINILM);
        // a multi-field under the vector field would receive the vector array and fail every document
        e = expectThrows(ResponseException.class, () -> call("PUT", "/sw-model-minilm/_mapping",
            json("{'properties':{'g':{'type':'binary_embedding','dims':8,'fields':{'raw':{'type':'keyword'}}}}}")));
        assertBadRequest(e, "[g]", "multi-fields");

        call("PUT", "/sw-model-minilm/_doc/1?refresh=true", json("{'text':'apple','e':" + vector384() + "}"));
        e = expectThrows(ResponseException.class, () -> call("POST", "/sw-model-minilm/_search",
            json("{'query':{'binary_knn':{'field':'e','query_text':'apple','model':'" + BGE + "'}}}")));
        assertBadRequest(e, "[model]", BGE, MINILM);
        e = expectThrows(ResponseException.class, () -> call("POST", "/sw-model-minilm/_search", json("{'query':{'binary_hybrid':{"
            + "'keyword':{'match':{'text':'apple'}},'vector':{'field':'e','query_text':'apple','model':'" + BGE + "'}}}}")));
        assertBadRequest(e, "[model]", BGE, MINILM);
        Map<String, Object> same = call("POST", "/sw-model-minilm/_search",
            json("{'query':{'binary_knn':{'field':'e','query_text':'apple','model':'" + MINILM + "'}}}"));
        assertEquals(List.of("1"), ids(same));

        // the field has a model in one index and none (8 dims) in the other: the error names the model that encoded
        call("PUT", "/sw-model-small", json("{" + settings + ",'mappings':{'properties':{'e':{'type':'binary_embedding','dims':8}}}}"));
        // (the other index's shard answers: OpenSearch returns its hits with this shard's failure)
        Map<String, Object> partial = call("POST", "/sw-model-minilm,sw-model-small/_search",
            json("{'query':{'binary_knn':{'field':'e','query_text':'apple'}}}"));
        String failures = String.valueOf(((Map<?, ?>) partial.get("_shards")).get("failures"));
        assertTrue(failures, failures.contains("model [" + MINILM + "]") && failures.contains("expects 8"));
        assertFalse(failures, failures.contains("model [null]"));
    }

    /** Tiny values (±1e-40) used to overflow the normalization: a query found nothing, a document failed as Infinity. */
    public void testTinyVectorValues() throws IOException {
        String index = "sw-tiny";
        call("PUT", "/" + index, json("{'settings':{'index.binary_embeddings':true,'number_of_shards':1,'number_of_replicas':0},"
            + "'mappings':{'properties':{'vec':{'type':'binary_embedding','dims':8}}}}"));
        call("PUT", "/" + index + "/_doc/big?refresh=true", json("{'vec':[1,1,1,1,-1,-1,-1,-1]}"));
        call("PUT", "/" + index + "/_doc/tiny?refresh=true", json("{'vec':[1e-40,1e-40,1e-40,1e-40,-1e-40,-1e-40,-1e-40,-1e-40]}"));
        Map<String, Object> s = call("POST", "/" + index + "/_search",
            json("{'query':{'binary_knn':{'field':'vec','vector':[1e-40,1e-40,1e-40,1e-40,-1e-40,-1e-40,-1e-40,-1e-40]}}}"));
        assertEquals(Set.of("big", "tiny"), new HashSet<>(ids(s)));
        for (Map<String, Object> h : hits(s)) {
            assertEquals(1.0, ((Number) h.get("_score")).doubleValue(), 1e-4);
        }
    }

    /** JSON nested deeper than the parser allows in an _embed body used to be a 500. */
    public void testEmbedDeepJsonIs400() throws Exception {
        String deep = "{\"texts\":" + "[".repeat(1500) + "]".repeat(1500) + "}";
        ResponseException e = expectThrows(ResponseException.class,
            () -> call("POST", "/_plugins/_binary_embeddings/models/" + BGE + "/_embed", deep));
        assertBadRequest(e, "JSON");
        String deepObject = "{\"texts\":[\"x\"],\"a\":" + "{\"a\":".repeat(1500) + "1" + "}".repeat(1501);
        e = expectThrows(ResponseException.class, () -> call("POST", "/_plugins/_binary_embeddings/models/" + BGE + "/_embed", deepObject));
        assertEquals(400, e.getResponse().getStatusLine().getStatusCode());
    }

    private static String vector384() {
        Random random = new Random(384);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 384; i++) {
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f", random.nextGaussian()));
        }
        return sb.append(']').toString();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers

    /** A random vector of DIMS values whose first half leans to {@code sign}. */
    private static String vector(Random random, int sign) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < DIMS; i++) {
            double x = random.nextGaussian() * 0.5 + (i < DIMS / 2 ? sign : 0);
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f", x));
        }
        return sb.append(']').toString();
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append(String.format(Locale.ROOT, "%02x", b));
        }
        return sb.toString();
    }

    private static void assertBadRequest(ResponseException e, String... names) throws Exception {
        Response response = e.getResponse();
        String body = EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
        assertEquals(body, 400, response.getStatusLine().getStatusCode());
        for (String name : names) {
            assertTrue("the error does not name " + name + ": " + body, body.contains(name));
        }
    }

    /** Ids with their scores, in order. */
    private static List<String> scored(Map<String, Object> response) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> h : hits(response)) {
            out.add(h.get("_id") + "@" + String.format(Locale.ROOT, "%.5f", ((Number) h.get("_score")).doubleValue()));
        }
        return out;
    }

    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }
}
