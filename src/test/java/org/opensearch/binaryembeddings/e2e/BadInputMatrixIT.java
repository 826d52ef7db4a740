package org.opensearch.binaryembeddings.e2e;

import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.opensearch.binaryembeddings.testdata.Json;
import org.opensearch.client.Request;
import org.opensearch.client.Response;
import org.opensearch.client.ResponseException;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.opensearch.binaryembeddings.testsupport.SearchResponses.hits;
import static org.opensearch.binaryembeddings.testsupport.SearchResponses.ids;

/**
 * Bad input against a real node, as one table: mappings, documents, bulk requests, the local_embedding processor, both
 * queries and our REST endpoints. Each row is one request with the status it must get (never a 5xx) and the parameter
 * or field its error message must name; Japanese, Chinese and emoji text is valid input and must embed. The table is
 * printed, a failure lists every row that did not hold, and the node must be healthy afterwards.
 */
public class BadInputMatrixIT extends RealNodeTestCase {

    private static final String MODEL = "bge-small-en-v1.5-q";
    private static final String MODELS = "/_plugins/_binary_embeddings/models";
    private static final String EMBED = MODELS + "/" + MODEL + "/_embed";
    /** 8-dim float field {@code vec}, 8-bit packed field {@code bits}, {@code text}, {@code tag}. */
    private static final String VEC = "matrix-vec";
    /** {@code text} embedded by the default pipeline into the 384-dim {@code embedding} (field model: bge). */
    private static final String TEXT = "matrix-text";
    private static final String PIPELINE = "matrix-embed";
    private static final String GOOD = "[1,1,1,1,-1,-1,-1,-1]";
    private static final String KEYWORD = "'keyword':{'match':{'text':'apple'}}";
    private static final int ONE_MB = 1 << 20;
    private static final String JAPANESE = "東京の天気は晴れです";
    private static final String CHINESE = "今天天气很好，我们去公园散步";
    private static final String EMOJI = "🍎🚗🙂";
    private static final String UNIT_VECTOR = "384-d unit vector";

    /** Extra assertions on a case's parsed response, once its status matched. */
    @FunctionalInterface
    private interface Check {
        void verify(Map<String, Object> response) throws Exception;
    }

    /**
     * One row: the request, the status it must get and what its error message must contain (the parameter or field);
     * a 2xx case says in {@code what} what its check verifies.
     */
    private record Case(String name, String method, String path, String body, int status, List<String> names, String what, Check check) {}

    /** What one case got: its status (with bulk item statuses) and the most specific error reason. */
    private record Row(Case c, String got, String excerpt, String failure) {}

    /** A bulk item: id, source line and the status it must get; a failed one's error must contain {@code name}. */
    private record Item(String id, String source, int status, String name) {
        static Item good(String id, String source) {
            return new Item(id, source, 201, null);
        }

        static Item bad(String id, String source, String name) {
            return new Item(id, source, 400, name);
        }
    }

    private final List<Case> cases = new ArrayList<>();
    private int mappingIndex;

    public void testBadInputMatrix() throws Exception {
        try {
            setUpData();
            mappingCases();
            documentCases();
            bulkCases();
            ingestCases();
            knnCases();
            hybridCases();
            restCases();
            settingsCases();
            List<Row> rows = new ArrayList<>();
            for (Case c : cases) {
                rows.add(run(c));
            }
            System.out.println(table(rows));
            assertNodeStillHealthy();
            List<String> failed = rows.stream().filter(r -> r.failure() != null).map(r -> r.c().name() + ": " + r.failure()).toList();
            assertTrue(failed.size() + " of " + rows.size() + " cases failed:\n" + String.join("\n", failed), failed.isEmpty());
            assertTrue("only " + rows.size() + " cases ran", rows.size() >= 40);
        } finally {
            cleanUp();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the matrix

    private void mappingCases() {
        mapping("mapping/dims-missing", "{'type':'binary_embedding'}", "[dims]");
        mapping("mapping/dims-string", "{'type':'binary_embedding','dims':'abc'}", "[dims]");
        mapping("mapping/dims-zero", "{'type':'binary_embedding','dims':0}", "[dims]");
        mapping("mapping/dims-100000", "{'type':'binary_embedding','dims':100000}", "[dims]");
        mapping("mapping/dims-fraction", "{'type':'binary_embedding','dims':8.5}", "[dims]");
        mapping("mapping/dims-NaN-string", "{'type':'binary_embedding','dims':'NaN'}", "[dims]");
        mapping("mapping/dims-1e20", "{'type':'binary_embedding','dims':1e20}", "[dims]");
        mapping("mapping/dims-array", "{'type':'binary_embedding','dims':[8]}", "[dims]");
        mapping("mapping/truncate_to-over-dims", "{'type':'binary_embedding','dims':16,'truncate_to':32}", "[truncate_to]");
        mapping("mapping/binary_dims-not-x8", "{'type':'binary_embedding','dims':16,'binary_dims':12}", "[binary_dims]");
        mapping("mapping/similarity-unknown", "{'type':'binary_embedding','dims':16,'similarity':'cosine'}", "[similarity]");
        mapping("mapping/similarity-null", "{'type':'binary_embedding','dims':16,'similarity':null}", "[similarity]");
        mapping("mapping/rescore-not-object", "{'type':'binary_embedding','dims':16,'rescore':'float32'}", "[rescore]");
        mapping("mapping/rescore.precision", "{'type':'binary_embedding','dims':16,'rescore':{'precision':'float64'}}", "[rescore.precision]");
        mapping("mapping/rescore-unknown-key", "{'type':'binary_embedding','dims':16,'rescore':{'colour':1}}", "[rescore.colour]");
        mapping("mapping/hnsw.m-1", "{'type':'binary_embedding','dims':16,'hnsw':{'m':1}}", "[hnsw.m]");
        mapping("mapping/hnsw.ef-Infinity", "{'type':'binary_embedding','dims':16,'hnsw':{'ef_construction':'Infinity'}}", "[hnsw.ef_construction]");
        mapping("mapping/unknown-param", "{'type':'binary_embedding','dims':16,'colour':'red'}", "[colour]");
        mapping("mapping/input-unknown", "{'type':'binary_embedding','dims':16,'input':'bits'}", "[input]");
        mapping("mapping/packed-with-float32", "{'type':'binary_embedding','dims':16,'input':'packed','rescore':{'precision':'float32'}}",
            "[rescore.precision]");
        mapping("mapping/model-../../etc/passwd", "{'type':'binary_embedding','dims':16,'model':'../../etc/passwd'}", "[model]");
        mapping("mapping/model-/etc/passwd", "{'type':'binary_embedding','dims':16,'model':'/etc/passwd'}", "[model]");
        mapping("mapping/model-empty", "{'type':'binary_embedding','dims':16,'model':''}", "[model]");
        // a well-formed name no node has: refused when the mapping is made, listing the models (issue 19)
        mapping("mapping/model-nope", "{'type':'binary_embedding','dims':384,'model':'nope-model'}", "[e]", "[nope-model]", MODEL);
        mapping("mapping/model-dims-mismatch", "{'type':'binary_embedding','dims':256,'model':'" + MODEL + "'}", "[e]", "[dims]", "384");
        mapping("mapping/multi-field", "{'type':'binary_embedding','dims':16,'fields':{'raw':{'type':'keyword'}}}", "[e]", "multi-fields");
        bad("mapping/no-index-setting", "PUT", "/matrix-map-nosetting",
            json("{'mappings':{'properties':{'e':{'type':'binary_embedding','dims':16}}}}"), "[index.binary_embeddings: true]", "[e]");
        // a Japanese field name is valid: the field is created, takes a vector and answers a query
        ok("mapping/unicode-field-name", 200, "field created, doc 201, found", "PUT", "/matrix-map-unicode",
            json("{'settings':{'index.binary_embeddings':true,'number_of_shards':1,'number_of_replicas':0},"
                + "'mappings':{'properties':{'埋め込み':{'type':'binary_embedding','dims':8}}}}"),
            r -> {
                call("PUT", "/matrix-map-unicode/_doc/1?refresh=true", json("{'埋め込み':" + GOOD + "}"));
                Map<String, Object> s = call("POST", "/matrix-map-unicode/_search", json("{'query':{'binary_knn':{'field':'埋め込み','vector':" + GOOD + "}}}"));
                assertEquals(List.of("1"), ids(s));
            });
    }

    private void documentCases() {
        doc("doc/vec-wrong-length", "{'vec':[1,2,3]}", "[vec]", "expects 8 numbers");
        doc("doc/vec-string", "{'vec':'abc'}", "[vec]");
        doc("doc/vec-NaN-strings", "{'vec':['NaN',1,1,1,-1,-1,-1,-1]}", "[vec]", "[NaN]");
        // bare NaN / Infinity: the JSON parser rejects the token; the mapper's wrapper still names the field
        doc("doc/vec-bare-NaN", "{'vec':[1,1,1,NaN,-1,-1,-1,-1]}", "[vec]", "Non-standard token 'NaN'");
        doc("doc/vec-bare-Infinity", "{'vec':[1,1,1,1,-1,-1,-1,Infinity]}", "[vec]", "Non-standard token 'Infinity'");
        doc("doc/vec-1e39-overflows-float", "{'vec':[1e39,1,1,1,-1,-1,-1,-1]}", "[vec]", "finite");
        doc("doc/vec-nested-array", "{'vec':[[1,1,1,1,-1,-1,-1,-1]]}", "[vec]", "nested array");
        doc("doc/vec-object", "{'vec':{'a':1}}", "[vec]", "object");
        doc("doc/vec-boolean", "{'vec':[true,1,1,1,-1,-1,-1,-1]}", "[vec]", "boolean");
        doc("doc/vec-100000-numbers", "{'vec':" + numbers(100_000) + "}", "[vec]", "got more");
        doc("doc/vec-zero-cosine", "{'vec':[0,0,0,0,0,0,0,0]}", "[vec]", "zero vector");
        doc("doc/vec-truncated-json", "{'vec':[1,1,1,1,-1", "[vec]");
        doc("doc/bits-not-hex-or-base64", "{'bits':'zz!!'}", "[bits]");
        doc("doc/bits-byte-300", "{'bits':[300]}", "[bits]", "[-128, 127]");
        doc("doc/bits-empty-string", "{'bits':''}", "[bits]");
        // 64 hex digits (256 bits) for a 384-bit field: also 64 base64 characters of 48 bytes, once read as such
        doc("doc/bits384-hex-of-256-bits", "{'bits384':'" + "ab".repeat(32) + "'}", "[bits384]", "96 hex digits or 64 base64 characters");
    }

    private void bulkCases() {
        bulk("bulk/vec-mixed", VEC, List.of(
            Item.good("bv-good-1", "{'vec':" + GOOD + "}"),
            Item.bad("bv-short", "{'vec':[1,2,3]}", "[vec]"),
            Item.bad("bv-bare-NaN", "{'vec':[1,1,1,NaN,-1,-1,-1,-1]}", "[vec]"),
            Item.good("bv-good-2", "{'vec':[-1,1,1,1,-1,-1,-1,-1]}"),
            Item.bad("bv-100000", "{'vec':" + numbers(100_000) + "}", "[vec]"),
            Item.bad("bv-NaN-string", "{'vec':['NaN',1,1,1,-1,-1,-1,-1]}", "[vec]"),
            Item.bad("bv-bits", "{'bits':'zz!!'}", "[bits]"),
            Item.good("bv-good-3", "{'vec':[-1,-1,1,1,-1,-1,-1,-1]}")
        ), "'vector':" + GOOD);
        bulk("bulk/pipeline-mixed-unicode", TEXT, List.of(
            Item.good("bt-chinese", "{'text':'" + CHINESE + "'}"),
            Item.bad("bt-number", "{'text':12345}", "field [text]"),
            Item.bad("bt-empty", "{'text':''}", "field [text]"),
            Item.good("bt-emoji", "{'text':'" + EMOJI + " apple'}"),
            Item.bad("bt-missing", "{'title':'no text'}", "field [text]"),
            Item.bad("bt-object", "{'text':{'a':'b'}}", "field [text]")
        ), "'query_text':'apple'");
        // longer than plugins.binary_embeddings.max_text_chars: fails alone, naming the field
        bulk("bulk/pipeline-1MB-text", TEXT, List.of(
            Item.good("bl-good", "{'text':'a short passage about apples'}"),
            Item.bad("bl-1mb", "{'text':" + Json.string(megabyte("bulk")) + "}", "field [text]"),
            Item.good("bl-good-2", "{'text':'pears and plums'}")
        ), "'query_text':'apple'");
        bad("bulk/action-unknown-param", "POST", "/" + VEC + "/_bulk",
            json("{'index':{'_id':'x','colour':1}}\n{'vec':" + GOOD + "}\n"), "[colour]");
        bad("bulk/action-line-array", "POST", "/" + VEC + "/_bulk", json("[1,2]\n{'vec':" + GOOD + "}\n"), "action/metadata line [1]");
    }

    private void ingestCases() {
        pipeline("ingest/model-unknown", "{'model':'nope','field_map':{'text':'e'}}", "[model]", "unknown model [nope]");
        pipeline("ingest/model-../../etc/passwd", "{'model':'../../etc/passwd','field_map':{'text':'e'}}", "[model]", "[../../etc/passwd]");
        pipeline("ingest/model-/etc/passwd", "{'model':'/etc/passwd','field_map':{'text':'e'}}", "[model]", "[/etc/passwd]");
        pipeline("ingest/model-bge/../x", "{'model':'" + MODEL + "/../x','field_map':{'text':'e'}}", "[model]", "[" + MODEL + "/../x]");
        pipeline("ingest/model-empty", "{'model':'','field_map':{'text':'e'}}", "[model]");
        pipeline("ingest/model-number", "{'model':42,'field_map':{'text':'e'}}", "[model]");
        pipeline("ingest/batch_size-0", "{'field_map':{'text':'e'},'batch_size':0}", "[batch_size]");
        pipeline("ingest/batch_size-string", "{'field_map':{'text':'e'},'batch_size':'abc'}", "[batch_size]");
        pipeline("ingest/batch_size-1e20", "{'field_map':{'text':'e'},'batch_size':1e20}", "[batch_size]");
        pipeline("ingest/batch_size-100000", "{'field_map':{'text':'e'},'batch_size':100000}", "[batch_size]");
        pipeline("ingest/field_map-missing", "{}", "[field_map]");
        pipeline("ingest/field_map-empty", "{'field_map':{}}", "[field_map]");
        pipeline("ingest/field_map-string", "{'field_map':'text'}", "[field_map]");
        pipeline("ingest/field_map-target-number", "{'field_map':{'text':5}}", "[field_map]");
        pipeline("ingest/field_map-empty-source", "{'field_map':{'':'e'}}", "[field_map]");
        pipeline("ingest/unknown-param", "{'field_map':{'text':'e'},'colour':'red'}", "[colour]");
        pipeline("ingest/skip_existing-string", "{'field_map':{'text':'e'},'skip_existing':'maybe'}", "[skip_existing]");
        pipeline("ingest/ignore_missing-number", "{'field_map':{'text':'e'},'ignore_missing':42}", "[ignore_missing]");
        // documents run through the pipeline (TEXT's default pipeline)
        bad("ingest/doc-text-number", "PUT", "/" + TEXT + "/_doc/it-number", json("{'text':12345}"), "field [text]");
        bad("ingest/doc-text-empty", "PUT", "/" + TEXT + "/_doc/it-empty", json("{'text':''}"), "field [text]");
        bad("ingest/doc-text-blank", "PUT", "/" + TEXT + "/_doc/it-blank", json("{'text':'   '}"), "field [text]");
        bad("ingest/doc-text-object", "PUT", "/" + TEXT + "/_doc/it-object", json("{'text':{'a':'b'}}"), "field [text]");
        bad("ingest/doc-text-array-number", "PUT", "/" + TEXT + "/_doc/it-array", json("{'text':['ok',5]}"), "field [text[1]]");
        bad("ingest/doc-text-missing", "PUT", "/" + TEXT + "/_doc/it-missing", json("{'title':'x'}"), "field [text]");
        bad("ingest/doc-unknown-pipeline", "PUT", "/" + VEC + "/_doc/it-nopipe?pipeline=matrix-nope", json("{'text':'x'}"), "[matrix-nope]");
        ok("ingest/doc-japanese", 201, UNIT_VECTOR, "PUT", "/" + TEXT + "/_doc/it-ja", json("{'text':'" + JAPANESE + "'}"), r -> storedEmbedding("it-ja"));
        ok("ingest/doc-emoji-only", 201, UNIT_VECTOR, "PUT", "/" + TEXT + "/_doc/it-emoji", json("{'text':'" + EMOJI + "'}"), r -> storedEmbedding("it-emoji"));
        // texts longer than plugins.binary_embeddings.max_text_chars
        bad("ingest/doc-1MB-text", "PUT", "/" + TEXT + "/_doc/it-1mb", json("{'text':" + Json.string(megabyte("doc")) + "}"),
            "field [text]");
        bad("ingest/doc-1MB-text-in-array", "PUT", "/" + TEXT + "/_doc/it-1mb-array",
            json("{'text':['fine'," + Json.string(megabyte("array")) + "]}"), "field [text[1]]");
        // the same checks in _simulate: a bad document fails alone, naming the field; unicode field names and text embed
        ok("ingest/simulate-bad-and-good", 200, "doc 1 names field [text], doc 2 " + UNIT_VECTOR, "POST", "/_ingest/pipeline/" + PIPELINE + "/_simulate",
            json("{'docs':[{'_source':{'text':5}},{'_source':{'text':'" + CHINESE + "'}}]}"), r -> {
                List<Map<String, Object>> docs = maps(r.get("docs"));
                assertTrue(String.valueOf(docs.get(0)), messages(docs.get(0)).contains("field [text]"));
                assertUnitVector("simulated doc", source(docs.get(1).get("doc")).get("embedding"));
            });
        ok("ingest/unicode-field-map", 200, "created; _simulate: " + UNIT_VECTOR, "PUT", "/_ingest/pipeline/matrix-unicode",
            json("{'processors':[{'local_embedding':{'field_map':{'本文':'ベクトル'}}}]}"), r -> {
                Map<String, Object> s = call("POST", "/_ingest/pipeline/matrix-unicode/_simulate",
                    json("{'docs':[{'_source':{'本文':'こんにちは世界 🌏'}}]}"));
                assertUnitVector("ベクトル", source(maps(s.get("docs")).get(0).get("doc")).get("ベクトル"));
            });
    }

    private void knnCases() {
        knn("knn/k-0", "'k':0", "[k]");
        knn("knn/k-10000000", "'k':10000000", "[k]");
        knn("knn/k-string", "'k':'ten'", "[k]");
        knn("knn/k-fraction", "'k':1.5", "[k]");
        knn("knn/k-1e20-beyond-int", "'k':1e20", "[k]");
        knn("knn/k-null", "'k':null", "[k]");
        knn("knn/k-array", "'k':[1]", "[k]");
        knn("knn/oversample-NaN-string", "'oversample':'NaN'", "[oversample]");
        knn("knn/oversample-Infinity-string", "'oversample':'Infinity'", "[oversample]");
        knn("knn/oversample-1e39", "'oversample':1e39", "[oversample]");
        knn("knn/oversample-0.5", "'oversample':0.5", "[oversample]");
        // a bare NaN is a JSON syntax error: the parser names the token, the query the parameter it was in
        knn("knn/oversample-bare-NaN", "'oversample':NaN", "[oversample]", "Non-standard token 'NaN'");
        knn("knn/num_candidates-below-k", "'num_candidates':5", "[num_candidates]");
        knn("knn/num_candidates-1e20", "'num_candidates':1e20", "[num_candidates]");
        knn("knn/min_score-negative", "'min_score':-1", "[min_score]");
        knn("knn/min_score-NaN-string", "'min_score':'NaN'", "[min_score]");
        knn("knn/rescore-string", "'rescore':'maybe'", "[rescore]");
        knn("knn/filter-string", "'filter':'abc'", "[filter]");
        knn("knn/boost-object", "'boost':{}", "[boost]");
        knn("knn/unknown-param", "'colour':'red'", "[colour]");
        knn("knn/model-without-query_text", "'model':'" + MODEL + "'", "[model]");
        search("knn/vector-NaN-strings", VEC, "{'binary_knn':{'field':'vec','vector':['NaN',1,1,1,1,1,1,1]}}", "[vector]");
        search("knn/vector-bare-Infinity", VEC, "{'binary_knn':{'field':'vec','vector':[Infinity,1,1,1,1,1,1,1]}}",
            "[vector]", "Non-standard token 'Infinity'");
        search("knn/vector-1e39", VEC, "{'binary_knn':{'field':'vec','vector':[1e39,1,1,1,1,1,1,1]}}", "[vector]", "finite");
        search("knn/vector-wrong-dims", VEC, "{'binary_knn':{'field':'vec','vector':[1,2,3]}}", "[vector]", "[vec]");
        search("knn/vector-100000-numbers", VEC, "{'binary_knn':{'field':'vec','vector':" + numbers(100_000) + "}}", "[vector]");
        search("knn/vector-string", VEC, "{'binary_knn':{'field':'vec','vector':'abc'}}", "[vector]");
        search("knn/vector-nested", VEC, "{'binary_knn':{'field':'vec','vector':[" + GOOD + "]}}", "[vector]");
        search("knn/vector-zero", VEC, "{'binary_knn':{'field':'vec','vector':[0,0,0,0,0,0,0,0]}}", "[vector]");
        search("knn/vector-and-bits", VEC, "{'binary_knn':{'field':'vec','vector':" + GOOD + ",'bits':'ff'}}", "[bits]", "[vector]");
        search("knn/bits-bad", VEC, "{'binary_knn':{'field':'vec','bits':'zz!!'}}", "[bits]");
        search("knn/bits-byte-1e20", VEC, "{'binary_knn':{'field':'vec','bits':[1e20]}}", "[bits]");
        search("knn/bits-hex-of-256-bits-for-384", VEC, "{'binary_knn':{'field':'bits384','bits':'" + "ab".repeat(32) + "'}}", "[bits]",
            "96 hex digits or 64 base64 characters");
        // the field's model is bge: another model's vectors are in another embedding space
        search("knn/model-other-space", TEXT, "{'binary_knn':{'field':'embedding','query_text':'apple','model':'all-minilm-l6-v2-q'}}",
            "[model]", "all-minilm-l6-v2-q", MODEL);
        search("knn/field-missing", VEC, "{'binary_knn':{'vector':" + GOOD + "}}", "[field]");
        search("knn/field-unmapped", VEC, "{'binary_knn':{'field':'nope','vector':" + GOOD + "}}", "[field]", "[nope]");
        search("knn/field-keyword", VEC, "{'binary_knn':{'field':'tag','vector':" + GOOD + "}}", "[field]", "[tag]");
        search("knn/field-number", VEC, "{'binary_knn':{'field':5,'vector':" + GOOD + "}}", "[field]");
        search("knn/field-empty", VEC, "{'binary_knn':{'field':'','vector':" + GOOD + "}}", "[field]");
        search("knn/not-an-object", VEC, "{'binary_knn':[1,2]}", "[binary_knn]");
        search("knn/query_text-empty", TEXT, "{'binary_knn':{'field':'embedding','query_text':''}}", "[query_text]");
        search("knn/query_text-number", TEXT, "{'binary_knn':{'field':'embedding','query_text':42}}", "[query_text]");
        search("knn/query_text-field-without-model", VEC, "{'binary_knn':{'field':'vec','query_text':'apple'}}", "[model]");
        search("knn/model-unknown", TEXT, "{'binary_knn':{'field':'embedding','query_text':'apple','model':'nope'}}", "unknown model [nope]");
        search("knn/model-../../etc/passwd", TEXT, "{'binary_knn':{'field':'embedding','query_text':'apple','model':'../../etc/passwd'}}",
            "unknown model [../../etc/passwd]");
        searchOk("knn/query_text-japanese", TEXT, "{'binary_knn':{'field':'embedding','query_text':'" + JAPANESE + "'}}", true);
        searchOk("knn/query_text-emoji-only", TEXT, "{'binary_knn':{'field':'embedding','query_text':'" + EMOJI + "'}}", true);
        search("knn/query_text-1MB", TEXT, "{'binary_knn':{'field':'embedding','query_text':" + Json.string(megabyte("knn")) + "}}",
            "[query_text]");
    }

    private void hybridCases() {
        String v = "'vector':{'field':'vec','vector':" + GOOD + "}";
        hybrid("hybrid/window-0", KEYWORD + "," + v + ",'window':0", "[window]");
        hybrid("hybrid/window-10000000", KEYWORD + "," + v + ",'window':10000000", "[window]");
        hybrid("hybrid/window-string", KEYWORD + "," + v + ",'window':'big'", "[window]");
        hybrid("hybrid/window-1e20", KEYWORD + "," + v + ",'window':1e20", "[window]");
        hybrid("hybrid/window-bare-NaN", KEYWORD + "," + v + ",'window':NaN", "[window]", "Non-standard token 'NaN'");
        hybrid("hybrid/window-below-vector.k", KEYWORD + ",'vector':{'field':'vec','vector':" + GOOD + ",'k':50},'window':20",
            "[window]", "[vector.k]");
        hybrid("hybrid/keyword-missing", v, "[keyword]");
        hybrid("hybrid/keyword-string", "'keyword':'apple'," + v, "[keyword]");
        hybrid("hybrid/vector-missing", KEYWORD, "[vector]");
        hybrid("hybrid/vector-string", KEYWORD + ",'vector':'vec'", "[vector]");
        hybrid("hybrid/vector.k-0", KEYWORD + ",'vector':{'field':'vec','vector':" + GOOD + ",'k':0}", "[k]");
        hybrid("hybrid/vector.vector-100000", KEYWORD + ",'vector':{'field':'vec','vector':" + numbers(100_000) + "}", "[vector]");
        hybrid("hybrid/vector.vector-wrong-dims", KEYWORD + ",'vector':{'field':'vec','vector':[1,2,3]}", "[vector]", "[vec]");
        hybrid("hybrid/fusion-string", KEYWORD + "," + v + ",'fusion':'rrf'", "[fusion]");
        hybrid("hybrid/fusion.method-unknown", KEYWORD + "," + v + ",'fusion':{'method':'borda'}", "[fusion.method]");
        hybrid("hybrid/fusion-unknown-key", KEYWORD + "," + v + ",'fusion':{'colour':1}", "[fusion.colour]");
        hybrid("hybrid/fusion.weights-NaN-string", KEYWORD + "," + v + ",'fusion':{'weights':{'keyword':'NaN'}}", "[fusion.weights.keyword]");
        hybrid("hybrid/fusion.weights-negative", KEYWORD + "," + v + ",'fusion':{'weights':{'keyword':-1}}", "[fusion.weights]");
        hybrid("hybrid/fusion.weights-1e400", KEYWORD + "," + v + ",'fusion':{'weights':{'vector':1e400}}", "[fusion.weights.vector]");
        hybrid("hybrid/fusion.rank_constant-0", KEYWORD + "," + v + ",'fusion':{'method':'rrf','rank_constant':0}", "[fusion.rank_constant]");
        hybrid("hybrid/fusion.rank_constant-1e20", KEYWORD + "," + v + ",'fusion':{'method':'rrf','rank_constant':1e20}",
            "[fusion.rank_constant]");
        hybrid("hybrid/fusion.normalization-unknown", KEYWORD + "," + v + ",'fusion':{'normalization':'l2'}", "[fusion.normalization]");
        hybrid("hybrid/unknown-param", KEYWORD + "," + v + ",'colour':1", "[colour]");
        hybrid("hybrid/boost-string", KEYWORD + "," + v + ",'boost':'x'", "[boost]");
        hybrid("hybrid/_name-object", KEYWORD + "," + v + ",'_name':{}", "[_name]");
        search("hybrid/vector.model-unknown", TEXT,
            "{'binary_hybrid':{" + KEYWORD + ",'vector':{'field':'embedding','query_text':'apple','model':'nope'}}}", "unknown model [nope]");
        searchOk("hybrid/chinese", TEXT, "{'binary_hybrid':{'keyword':{'match':{'text':'" + CHINESE + "'}},"
            + "'vector':{'field':'embedding','query_text':'" + CHINESE + "'}}}", false);
        search("hybrid/vector.query_text-1MB", TEXT,
            "{'binary_hybrid':{" + KEYWORD + ",'vector':{'field':'embedding','query_text':" + Json.string(megabyte("hybrid")) + "}}}",
            "[query_text]");
    }

    private void restCases() {
        ok("rest/models", 200, "both models loaded", "GET", MODELS, null, r -> {
            assertEquals(MODEL, r.get("default_model"));
            for (Map<String, Object> m : maps(r.get("models"))) {
                assertEquals(m.toString(), "loaded", m.get("status"));
            }
        });
        bad("rest/models-unknown", "GET", MODELS + "/nope", null, "unknown model [nope]");
        bad("rest/models-..%2F..%2Fetc%2Fpasswd", "GET", MODELS + "/..%2F..%2Fetc%2Fpasswd", null, "unknown model [../../etc/passwd]");
        bad("rest/models-%2Fetc%2Fpasswd", "GET", MODELS + "/%2Fetc%2Fpasswd", null, "unknown model [/etc/passwd]");
        bad("rest/models-bge%2F..%2Fx", "GET", MODELS + "/" + MODEL + "%2F..%2Fx", null, "unknown model [" + MODEL + "/../x]");
        bad("rest/models-%2E%2E", "GET", MODELS + "/%2E%2E", null, "unknown model [..]");
        bad("rest/models-japanese-name", "GET", MODELS + "/%E6%9D%B1%E4%BA%AC", null, "unknown model [東京]");
        bad("rest/models-unknown-url-param", "GET", MODELS + "?colour=red", null, "[colour]");
        bad("rest/model-unknown-url-param", "GET", MODELS + "/" + MODEL + "?colour=red", null, "[colour]");
        status("rest/models-DELETE", 405, "DELETE", MODELS + "/" + MODEL, null, "[DELETE]");
        status("rest/embed-GET", 405, "GET", EMBED, null, "[GET]");
        bad("rest/embed-model-unknown", "POST", MODELS + "/nope/_embed", json("{'texts':['x']}"), "unknown model [nope]");
        bad("rest/embed-model-..%2F..%2Fetc%2Fpasswd", "POST", MODELS + "/..%2F..%2Fetc%2Fpasswd/_embed", json("{'texts':['x']}"),
            "unknown model [../../etc/passwd]");
        bad("rest/embed-model-%2Fetc%2Fpasswd", "POST", MODELS + "/%2Fetc%2Fpasswd/_embed", json("{'texts':['x']}"),
            "unknown model [/etc/passwd]");
        embed("rest/embed-texts-empty", "{'texts':[]}", "[texts]");
        embed("rest/embed-texts-string", "{'texts':'x'}", "[texts]");
        embed("rest/embed-texts-missing", "{}", "[texts]");
        embed("rest/embed-text-empty", "{'texts':['x','']}", "[texts][1]");
        embed("rest/embed-text-null", "{'texts':[null]}", "[texts][0]");
        embed("rest/embed-text-number", "{'texts':[3]}", "[texts][0]");
        embed("rest/embed-text-array", "{'texts':[['x']]}", "[texts][0]");
        embed("rest/embed-kind-unknown", "{'texts':['x'],'kind':'document'}", "[kind]");
        embed("rest/embed-binary_dims-12", "{'texts':['x'],'binary_dims':12}", "[binary_dims]");
        embed("rest/embed-binary_dims-NaN-string", "{'texts':['x'],'binary_dims':'NaN'}", "[binary_dims]");
        embed("rest/embed-binary_dims-1e20", "{'texts':['x'],'binary_dims':1e20}", "[binary_dims]");
        embed("rest/embed-binary_dims-over-dims", "{'texts':['x'],'binary_dims':392}", "[binary_dims]");
        embed("rest/embed-binary_dims-bare-NaN", "{'texts':['x'],'binary_dims':NaN}", "[binary_dims]", "Non-standard token 'NaN'");
        embed("rest/embed-unknown-param", "{'texts':['x'],'top_k':3}", "[top_k]");
        embed("rest/embed-json-1500-deep", "{'texts':" + "[".repeat(1500) + "]".repeat(1500) + "}", "JSON");
        embed("rest/embed-100000-texts", "{'texts':" + texts(100_000) + "}", "[texts]");
        embed("rest/embed-malformed-json", "{'texts':[", "end-of-input");
        embed("rest/embed-body-array", "['x']", "request body must be a JSON object");
        bad("rest/embed-no-body", "POST", EMBED, null, "request body is required");
        ok("rest/embed-unicode", 200, "3 × " + UNIT_VECTOR + " + sign bits", "POST", EMBED, json("{'texts':['" + JAPANESE + "','" + CHINESE + "','" + EMOJI + "'],'binary_dims':8}"),
            r -> {
                List<Object> vectors = list(r.get("embeddings"));
                List<Object> bits = list(r.get("binary"));
                assertEquals(3, vectors.size());
                for (int t = 0; t < 3; t++) {
                    assertUnitVector("text " + t, vectors.get(t));
                    int packed = Integer.parseInt((String) bits.get(t), 16);
                    for (int i = 0; i < 8; i++) {
                        boolean positive = ((Number) ((List<?>) vectors.get(t)).get(i)).floatValue() > 0;
                        assertEquals("text " + t + " bit " + i, positive, (packed & (0x80 >>> i)) != 0);
                    }
                }
            });
        embed("rest/embed-1MB-text", "{'texts':['fine'," + Json.string(megabyte("embed")) + "]}", "[texts][1]");
    }

    /** The query caps are dynamic cluster settings: bad values are refused, naming the setting (none is changed). */
    private void settingsCases() {
        setting("settings/max_k-0", "'plugins.binary_embeddings.query.max_k':0", "[plugins.binary_embeddings.query.max_k]");
        setting("settings/max_window-string", "'plugins.binary_embeddings.query.max_window':'big'", "[plugins.binary_embeddings.query.max_window]");
        setting("settings/max_oversample-1e20", "'plugins.binary_embeddings.query.max_oversample':1e20",
            "[plugins.binary_embeddings.query.max_oversample]");
        setting("settings/unknown-query-setting", "'plugins.binary_embeddings.query.colour':1", "[plugins.binary_embeddings.query.colour]");
        setting("settings/max_text_chars-not-dynamic", "'plugins.binary_embeddings.max_text_chars':10", "[plugins.binary_embeddings.max_text_chars]");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // case builders

    private void bad(String name, String method, String path, String body, String... names) {
        status(name, 400, method, path, body, names);
    }

    private void status(String name, int status, String method, String path, String body, String... names) {
        cases.add(new Case(name, method, path, body, status, List.of(names), null, null));
    }

    private void ok(String name, int status, String what, String method, String path, String body, Check check) {
        cases.add(new Case(name, method, path, body, status, List.of(), what, check));
    }

    /** Index creation with one {@code binary_embedding} field {@code e} defined by {@code field}. */
    private void mapping(String name, String field, String... names) {
        String index = "/matrix-map-" + (++mappingIndex);
        bad(name, "PUT", index, json("{'settings':{'index.binary_embeddings':true},'mappings':{'properties':{'e':" + field + "}}}"), names);
    }

    private void doc(String name, String source, String... names) {
        bad(name, "PUT", "/" + VEC + "/_doc/" + name.substring(name.indexOf('/') + 1), json(source), names);
    }

    private void pipeline(String name, String processor, String... names) {
        bad(name, "PUT", "/_ingest/pipeline/matrix-bad", json("{'processors':[{'local_embedding':" + processor + "}]}"), names);
    }

    /** A binary_knn on VEC's {@code vec} with the good vector and {@code params}. */
    private void knn(String name, String params, String... names) {
        search(name, VEC, "{'binary_knn':{'field':'vec','vector':" + GOOD + "," + params + "}}", names);
    }

    private void hybrid(String name, String params, String... names) {
        search(name, VEC, "{'binary_hybrid':{" + params + "}}", names);
    }

    private void search(String name, String index, String query, String... names) {
        bad(name, "POST", "/" + index + "/_search", json("{'query':" + query + "}"), names);
    }

    /** A valid query: 200 with hits; {@code unitScores}: binary_knn scores lie in (0, 1]. */
    private void searchOk(String name, String index, String query, boolean unitScores) {
        ok(name, 200, unitScores ? "hits, scores in (0, 1]" : "hits", "POST", "/" + index + "/_search", json("{'query':" + query + "}"), r -> {
            List<Map<String, Object>> hits = hits(r);
            assertFalse("no hits", hits.isEmpty());
            for (Map<String, Object> h : hits) {
                double score = ((Number) h.get("_score")).doubleValue();
                assertTrue("score " + score, Double.isFinite(score) && score > 0 && (unitScores == false || score <= 1.0));
            }
        });
    }

    private void setting(String name, String persistent, String... names) {
        bad(name, "PUT", "/_cluster/settings", json("{'persistent':{" + persistent + "}}"), names);
    }

    private void embed(String name, String body, String... names) {
        bad(name, "POST", EMBED, json(body), names);
    }

    /**
     * A _bulk into {@code index}: 200 overall, each item the status it must get (a failed one naming its field), and
     * exactly the good documents indexed and found by a binary_knn ({@code knnInput}) filtered to the request's ids.
     */
    private void bulk(String name, String index, List<Item> items, String knnInput) {
        StringBuilder body = new StringBuilder();
        for (Item item : items) {
            body.append("{'index':{'_id':'").append(item.id()).append("'}}\n").append(item.source()).append('\n');
        }
        String field = index.equals(VEC) ? "vec" : "embedding";
        long goodCount = items.stream().filter(i -> i.status() == 201).count();
        String names = items.stream().map(Item::name).filter(n -> n != null).distinct().collect(Collectors.joining(" "));
        String what = "items " + goodCount + "×201 (found by knn), " + (items.size() - goodCount) + "×400 " + names;
        ok(name, 200, what, "POST", "/" + index + "/_bulk?refresh=true", json(body.toString()), r -> {
            boolean anyBad = items.stream().anyMatch(i -> i.status() != 201);
            assertEquals("errors", anyBad, r.get("errors"));
            List<Map<String, Object>> results = maps(r.get("items"));
            assertEquals(items.size(), results.size());
            for (int i = 0; i < items.size(); i++) {
                Item item = items.get(i);
                Map<String, Object> result = map(results.get(i).get("index"));
                assertEquals(item.id(), result.get("_id"));
                assertEquals(item.id() + ": " + result, item.status(), result.get("status"));
                if (item.name() != null) {
                    String reasons = messages(result.get("error"));
                    assertTrue(item.id() + " does not name " + item.name() + ": " + reasons, reasons.contains(item.name()));
                }
            }
            Set<String> good = items.stream().filter(i -> i.status() == 201).map(Item::id).collect(Collectors.toSet());
            String all = items.stream().map(i -> "'" + i.id() + "'").collect(Collectors.joining(","));
            Map<String, Object> stored = call("POST", "/" + index + "/_search", json("{'size':50,'query':{'ids':{'values':[" + all + "]}}}"));
            assertEquals("stored documents", good, new HashSet<>(ids(stored)));
            String goodIds = good.stream().map(id -> "'" + id + "'").collect(Collectors.joining(","));
            Map<String, Object> found = call("POST", "/" + index + "/_search", json("{'size':50,'query':{'binary_knn':{'field':'" + field
                + "'," + knnInput + ",'k':50,'filter':{'ids':{'values':[" + goodIds + "]}}}}}"));
            assertEquals("found by binary_knn", good, new HashSet<>(ids(found)));
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // running and reporting

    private Row run(Case c) {
        String got = "-";
        String excerpt = "";
        try {
            Request request = new Request(c.method(), c.path());
            if (c.body() != null) {
                request.setJsonEntity(c.body());
            }
            Response response;
            try {
                response = client().performRequest(request);
            } catch (ResponseException e) {
                response = e.getResponse();
            }
            int status = response.getStatusLine().getStatusCode();
            got = String.valueOf(status);
            String text = response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
            Map<String, Object> parsed = parse(text);
            got += itemStatuses(parsed);
            String message = parsed == null ? text : messages(parsed);
            excerpt = excerpt(parsed, text);
            assertTrue("server error " + status + ": " + abbreviate(text, 1000), status < 500);
            assertEquals("status; response: " + abbreviate(text, 1000), c.status(), status);
            for (String n : c.names()) {
                assertTrue("the message does not name " + n + ": " + abbreviate(message, 1000), message.contains(n));
            }
            assertFalse("the response shows /etc/passwd", text.contains("root:x:0:0"));
            if (c.check() != null) {
                c.check().verify(parsed);
            }
            return new Row(c, got, excerpt, null);
        } catch (Exception | AssertionError e) {
            return new Row(c, got, excerpt, e.toString());
        }
    }

    /** For a bulk response, " (3×201 5×400)": how many items got which status. */
    private static String itemStatuses(Map<String, Object> parsed) {
        if (parsed == null || parsed.get("items") instanceof List<?> == false) {
            return "";
        }
        Map<String, Long> counts = new TreeMap<>(maps(parsed.get("items")).stream()
            .collect(Collectors.groupingBy(item -> String.valueOf(map(item.values().iterator().next()).get("status")), Collectors.counting())));
        return counts.entrySet().stream().map(e -> e.getValue() + "×" + e.getKey()).collect(Collectors.joining(" ", " (", ")"));
    }

    private static Map<String, Object> parse(String text) {
        try {
            return XContentHelper.convertToMap(JsonXContent.jsonXContent, text, false);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Every error reason in a response (root causes, causes, bulk items, simulated documents), joined. */
    private static String messages(Object response) {
        Set<String> out = new LinkedHashSet<>();
        collectReasons(response, out);
        return String.join(" | ", out);
    }

    private static void collectReasons(Object o, Set<String> out) {
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (("reason".equals(e.getKey()) || "error".equals(e.getKey())) && e.getValue() instanceof String s) {
                    out.add(s);
                } else {
                    collectReasons(e.getValue(), out);
                }
            }
        } else if (o instanceof List<?> l) {
            for (Object x : l) {
                if (x instanceof Map || x instanceof List) {
                    collectReasons(x, out);
                }
            }
        }
    }

    /** The most specific reason: the first root cause's, or the first reason anywhere (bulk items). */
    private static String excerpt(Map<String, Object> parsed, String text) {
        if (parsed == null) {
            return oneLine(text);
        }
        if (parsed.get("error") instanceof Map<?, ?> error && error.get("root_cause") instanceof List<?> causes && causes.isEmpty() == false
            && causes.get(0) instanceof Map<?, ?> first && first.get("reason") instanceof String reason) {
            return oneLine(reason);
        }
        String all = messages(parsed);
        return oneLine(all.isEmpty() ? "-" : all);
    }

    private static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        long failed = rows.stream().filter(r -> r.failure() != null).count();
        sb.append(String.format(Locale.ROOT, "%nBad input matrix: %d cases, %d failed%n", rows.size(), failed));
        String format = "%-3s | %-40s | %-72s | %-44s | %-18s | %s%n";
        sb.append(String.format(Locale.ROOT, format, "#", "case", "request", "expected", "got", "message excerpt"));
        sb.append("-".repeat(220)).append('\n');
        int n = 0;
        for (Row r : rows) {
            Case c = r.c();
            String request = c.method() + " " + c.path() + (c.body() == null ? "" : " " + preview(c.body()));
            String expected = c.status() + (c.names().isEmpty() ? "" : " " + String.join(" ", c.names())) + (c.what() == null ? "" : ": " + c.what());
            String got = r.got() + (r.failure() == null ? "" : " FAILED");
            sb.append(String.format(Locale.ROOT, format, ++n, abbreviate(c.name(), 40), abbreviate(request, 72), abbreviate(expected, 44), got,
                abbreviate(r.excerpt(), 120)));
            if (r.failure() != null) {
                sb.append("      FAILED: ").append(abbreviate(oneLine(r.failure()), 300)).append('\n');
            }
        }
        return sb.toString();
    }

    private static String preview(String body) {
        String flat = body.replace("\n", "⏎");
        return flat.length() <= 44 ? flat : flat.substring(0, 40) + "…[" + body.length() + " chars]";
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replaceAll("\\s+", " ").trim();
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // data, helpers

    private void setUpData() throws Exception {
        assertBusy(() -> {
            for (Map<String, Object> m : maps(call("GET", MODELS, null).get("models"))) {
                assertEquals(m.toString(), "loaded", m.get("status"));
            }
        }, 60, TimeUnit.SECONDS);
        call("PUT", "/_ingest/pipeline/" + PIPELINE,
            json("{'processors':[{'local_embedding':{'model':'" + MODEL + "','field_map':{'text':'embedding'}}}]}"));
        call("PUT", "/" + VEC, json("{'settings':{'index.binary_embeddings':true,'number_of_shards':1,'number_of_replicas':0},"
            + "'mappings':{'properties':{'text':{'type':'text'},'tag':{'type':'keyword'},'vec':{'type':'binary_embedding','dims':8},"
            + "'bits':{'type':'binary_embedding','dims':8,'input':'packed'},'bits384':{'type':'binary_embedding','dims':384,'input':'packed'}}}}"));
        call("PUT", "/" + TEXT, json("{'settings':{'index.binary_embeddings':true,'number_of_shards':1,'number_of_replicas':0,"
            + "'default_pipeline':'" + PIPELINE + "'},'mappings':{'properties':{'text':{'type':'text'},"
            + "'embedding':{'type':'binary_embedding','dims':384,'model':'" + MODEL + "'}}}}"));
        call("POST", "/" + VEC + "/_bulk?refresh=true", json(
            "{'index':{'_id':'seed-1'}}\n{'text':'red apple','tag':'fruit','vec':" + GOOD + "}\n"
                + "{'index':{'_id':'seed-2'}}\n{'text':'blue car','tag':'vehicle','vec':[-1,-1,-1,-1,1,1,1,1]}\n"));
        Map<String, Object> r = call("POST", "/" + TEXT + "/_bulk?refresh=true", json(
            "{'index':{'_id':'seed-1'}}\n{'text':'A red apple fell from the tree.'}\n"
                + "{'index':{'_id':'seed-2'}}\n{'text':'Bread rises because yeast ferments sugar.'}\n"));
        assertEquals(r.toString(), false, r.get("errors"));
    }

    /** After every case: the cluster is not red, the models are loaded and ordinary queries still answer. */
    private void assertNodeStillHealthy() throws IOException {
        Map<String, Object> health = call("GET", "/_cluster/health", null);
        assertNotEquals("cluster health " + health, "red", health.get("status"));
        Map<String, Object> knn = call("POST", "/" + VEC + "/_search",
            json("{'size':1,'query':{'binary_knn':{'field':'vec','vector':" + GOOD + ",'k':5}}}"));
        assertEquals("seed-1", ids(knn).get(0));
        assertEquals(1.0, ((Number) hits(knn).get(0).get("_score")).doubleValue(), 1e-6);
        Map<String, Object> text = call("POST", "/" + TEXT + "/_search",
            json("{'size':1,'query':{'binary_knn':{'field':'embedding','query_text':'an apple dropped off a tree'}}}"));
        assertEquals("seed-1", ids(text).get(0));
        for (Map<String, Object> m : maps(call("GET", MODELS, null).get("models"))) {
            assertEquals(m.toString(), "loaded", m.get("status"));
        }
    }

    private static void cleanUp() throws IOException {
        try {
            client().performRequest(new Request("DELETE", "/matrix-*"));
            client().performRequest(new Request("DELETE", "/_ingest/pipeline/matrix-*"));
        } catch (ResponseException e) {
            // nothing to delete
        }
        // in case a settings case was accepted after all
        call("PUT", "/_cluster/settings", json("{'persistent':{'plugins.binary_embeddings.query.*':null}}"));
    }

    /** 1 MiB of English words, distinct per {@code seed} so that no query cache could answer it. */
    private static String megabyte(String seed) {
        String sentence = seed + " the quick brown fox jumps over the lazy dog ";
        return sentence.repeat(ONE_MB / sentence.length() + 1).substring(0, ONE_MB);
    }

    private static String numbers(int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append(i % 2 == 0 ? "0.5" : "-0.5");
        }
        return sb.append(']').toString();
    }

    private static String texts(int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append("'t").append(i).append('\'');
        }
        return sb.append(']').toString();
    }

    /** JSON written with single quotes, for readable bodies (no body here contains an apostrophe). */
    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private void storedEmbedding(String id) throws IOException {
        assertUnitVector(id, source(call("GET", "/" + TEXT + "/_doc/" + id, null)).get("embedding"));
    }

    private static void assertUnitVector(String what, Object o) {
        assertNotNull(what + ": no vector", o);
        List<?> v = (List<?>) o;
        assertEquals(what + ": dims", 384, v.size());
        double norm = 0;
        for (Object x : v) {
            double d = ((Number) x).doubleValue();
            assertTrue(what + ": not finite " + d, Double.isFinite(d));
            norm += d * d;
        }
        assertEquals(what + ": norm", 1.0, norm, 1e-3);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(Object o) {
        return (List<T>) o;
    }

    private static List<Map<String, Object>> maps(Object o) {
        return list(o);
    }

    private static Map<String, Object> source(Object docOrHit) {
        return map(map(docOrHit).get("_source"));
    }

}
