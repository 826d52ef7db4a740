package org.opensearch.binaryembeddings.mapper;

import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.opensearch.action.bulk.BulkItemResponse;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.binaryembeddings.BinaryEmbeddingsPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.index.engine.Engine;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.shard.IndexShard;
import org.opensearch.indices.IndicesService;
import org.opensearch.plugins.Plugin;
import org.opensearch.test.OpenSearchSingleNodeTestCase;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;

/** The field type in a real node: mapping validation, binarization and truncation, packed input, bad documents. */
public class BinaryEmbeddingMapperTests extends OpenSearchSingleNodeTestCase {

    private static final Settings ENABLED = Settings.builder().put("index.binary_embeddings", true).put("index.number_of_shards", 1).build();

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(BinaryEmbeddingsPlugin.class);
    }

    private static String mapping(String fieldJson) {
        return "{\"properties\":{\"e\":" + fieldJson + ",\"tag\":{\"type\":\"keyword\"}}}";
    }

    private void create(String index, String fieldJson) {
        client().admin().indices().prepareCreate(index).setSettings(ENABLED).setMapping(mapping(fieldJson)).get();
    }

    private Exception createFails(Settings settings, String fieldJson) {
        return expectThrows(Exception.class, () -> client().admin().indices().prepareCreate("bad").setSettings(settings).setMapping(mapping(fieldJson)).get());
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    public void testMappingNeedsTheIndexSetting() {
        Exception e = createFails(Settings.EMPTY, "{\"type\":\"binary_embedding\",\"dims\":16}");
        assertThat(rootMessage(e), containsString("index.binary_embeddings: true"));
        assertThat(rootMessage(e), containsString("[e]"));
    }

    public void testMappingValidation() {
        String[][] cases = {
            { "{\"type\":\"binary_embedding\"}", "[dims] is required" },
            { "{\"type\":\"binary_embedding\",\"dims\":4}", "[dims] must be between 8 and 4096" },
            { "{\"type\":\"binary_embedding\",\"dims\":5000}", "[dims] must be between 8 and 4096" },
            { "{\"type\":\"binary_embedding\",\"dims\":\"abc\"}", "[dims] must be an integer" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"truncate_to\":65}", "[truncate_to] must be between 1 and [dims]" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"binary_dims\":12}", "[binary_dims] must be a multiple of 8" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"truncate_to\":32,\"binary_dims\":40}", "[binary_dims] must be a multiple of 8 between 8 and [truncate_to] (32)" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"similarity\":\"cosine\"}", "similarity" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"rescore\":{\"precision\":\"fp16\"}}", "[rescore.precision] must be one of [float32, int8, none]" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"rescore\":{\"similarity\":\"manhattan\"}}", "[rescore.similarity] must be one of [cosine, dot_product, l2]" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"rescore\":{\"bogus\":1}}", "unknown parameter [rescore.bogus]" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"rescore\":\"float32\"}", "[rescore] must be an object" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"hnsw\":{\"m\":1}}", "[hnsw.m] must be between 2 and 512" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"hnsw\":{\"ef_construction\":0}}", "[hnsw.ef_construction] must be between 1" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"input\":\"packed\",\"rescore\":{\"precision\":\"float32\"}}", "[rescore.precision] must be [none] with [input: packed]" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"input\":\"bits\"}", "input" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"colour\":\"red\"}", "unknown parameter [colour]" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"model\":\"../../etc/passwd\"}", "[model] invalid model name [../../etc/passwd]" },
            { "{\"type\":\"binary_embedding\",\"dims\":64,\"model\":\"\"}", "[model] invalid model name []" } };
        for (String[] c : cases) {
            Exception e = createFails(ENABLED, c[0]);
            assertThat(c[0], rootMessage(e), containsString(c[1]));
            // and names the field (it is called e)
            assertThat(c[0], rootMessage(e), containsString("[e]"));
        }
    }

    public void testStructuralParametersCannotChange() {
        create("idx", "{\"type\":\"binary_embedding\",\"dims\":64,\"binary_dims\":32}");
        for (String changed : new String[] {
            "{\"type\":\"binary_embedding\",\"dims\":32,\"binary_dims\":32}",
            "{\"type\":\"binary_embedding\",\"dims\":64,\"binary_dims\":64}",
            "{\"type\":\"binary_embedding\",\"dims\":64,\"binary_dims\":32,\"similarity\":\"jaccard\"}" }) {
            Exception e = expectThrows(Exception.class, () -> client().admin().indices().preparePutMapping("idx").setSource(mapping(changed), org.opensearch.common.xcontent.XContentType.JSON).get());
            assertThat(rootMessage(e), containsString("Cannot update parameter"));
        }
        // the same mapping again is fine
        client().admin().indices().preparePutMapping("idx").setSource(mapping("{\"type\":\"binary_embedding\",\"dims\":64,\"binary_dims\":32}"), org.opensearch.common.xcontent.XContentType.JSON).get();
    }

    public void testMappingRoundTripShowsResolvedDefaultsOnlyWhereSet() throws IOException {
        create("idx", "{\"type\":\"binary_embedding\",\"dims\":64,\"truncate_to\":48,\"rescore\":{\"precision\":\"int8\",\"similarity\":\"l2\"},\"model\":\"m1\",\"hnsw\":{\"m\":8,\"ef_construction\":50}}");
        Map<String, Object> field = fieldMapping("idx");
        assertEquals(64, field.get("dims"));
        assertEquals(48, field.get("truncate_to"));
        assertEquals(Map.of("precision", "int8", "similarity", "l2"), field.get("rescore"));
        assertEquals(Map.of("m", 8, "ef_construction", 50), field.get("hnsw"));
        assertEquals("m1", field.get("model"));
        BinaryEmbeddingSpec spec = spec("idx");
        assertEquals(48, spec.binaryDims());
        assertEquals(org.opensearch.binaryembeddings.codec.RescorePrecision.INT8, spec.precision());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> fieldMapping(String index) {
        Map<String, Object> source = client().admin().indices().prepareGetMappings(index).get().mappings().get(index).sourceAsMap();
        return (Map<String, Object>) ((Map<String, Object>) source.get("properties")).get("e");
    }

    private BinaryEmbeddingSpec spec(String index) {
        IndicesService indices = getInstanceFromNode(IndicesService.class);
        return ((BinaryEmbeddingFieldType) indices.indexServiceSafe(resolveIndex(index)).mapperService().fieldType("e")).spec();
    }

    /** Truncation, renormalization and sign packing, bit for bit against a deliberately naive reference. */
    public void testTruncationAndSignBitsMatchReference() throws IOException {
        create("floats", "{\"type\":\"binary_embedding\",\"dims\":40,\"truncate_to\":24,\"binary_dims\":16}");
        create("bits", "{\"type\":\"binary_embedding\",\"dims\":40,\"truncate_to\":24,\"binary_dims\":16,\"rescore\":{\"precision\":\"none\"}}");
        int n = 50;
        float[][] input = new float[n][40];
        for (int d = 0; d < n; d++) {
            for (int i = 0; i < 40; i++) {
                input[d][i] = randomBoolean() && i % 7 == 0 ? 0f : (float) randomDoubleBetween(-2, 2, true);
            }
            for (String index : new String[] { "floats", "bits" }) {
                client().prepareIndex(index).setId(Integer.toString(d)).setSource(doc(input[d])).get();
            }
        }
        client().admin().indices().prepareRefresh("floats", "bits").get();
        Map<String, float[]> floats = readFloats("floats");
        Map<String, byte[]> bits = readBytes("bits");
        assertEquals(n, floats.size());
        assertEquals(n, bits.size());
        for (int d = 0; d < n; d++) {
            double norm = 0;
            for (int i = 0; i < 24; i++) {
                norm += input[d][i] * input[d][i];
            }
            float[] got = floats.get(Integer.toString(d));
            assertEquals(24, got.length);
            for (int i = 0; i < 24; i++) {
                assertEquals(input[d][i] / Math.sqrt(norm), got[i], 1e-6);
            }
            StringBuilder expectedBits = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                expectedBits.append(input[d][i] > 0 ? '1' : '0');
            }
            byte[] packed = bits.get(Integer.toString(d));
            StringBuilder gotBits = new StringBuilder();
            for (byte b : packed) {
                String s = Integer.toBinaryString(b & 0xFF);
                gotBits.append("0".repeat(8 - s.length())).append(s);
            }
            assertEquals(expectedBits.toString(), gotBits.toString());
        }
    }

    public void testPackedInputRoundTrip() throws IOException {
        create("packed", "{\"type\":\"binary_embedding\",\"dims\":32,\"input\":\"packed\"}");
        byte[] bits = { (byte) 0xde, (byte) 0xad, 0x01, (byte) 0x80 };
        client().prepareIndex("packed").setId("hex").setSource("{\"e\":\"dead0180\"}", org.opensearch.common.xcontent.XContentType.JSON).get();
        client().prepareIndex("packed").setId("HEX").setSource("{\"e\":\"DEAD0180\"}", org.opensearch.common.xcontent.XContentType.JSON).get();
        client().prepareIndex("packed").setId("b64").setSource("{\"e\":\"" + Base64.getEncoder().encodeToString(bits) + "\"}", org.opensearch.common.xcontent.XContentType.JSON).get();
        client().prepareIndex("packed").setId("arr").setSource("{\"e\":[-34,-83,1,-128]}", org.opensearch.common.xcontent.XContentType.JSON).get();
        client().admin().indices().prepareRefresh("packed").get();
        Map<String, byte[]> read = readBytes("packed");
        assertEquals(4, read.size());
        for (byte[] b : read.values()) {
            assertArrayEquals(bits, b);
        }
    }

    public void testBadDocumentsFailAloneInABulk() throws IOException {
        create("idx", "{\"type\":\"binary_embedding\",\"dims\":8}");
        create("pk", "{\"type\":\"binary_embedding\",\"dims\":16,\"input\":\"packed\"}");
        String good = "[1,-1,1,-1,1,-1,1,-1]";
        String[][] cases = {
            { "idx", "[1,2,3]", "expects 8 numbers, got 3" },
            { "idx", "[1,2,3,4,5,6,7,8,9]", "expects 8 numbers, got more" },
            { "idx", "[1,2,3,4,5,6,7,\"x\"]", "expects an array of 8 numbers, got a string [x] at position 7" },
            { "idx", "[1,2,3,4,5,6,7,[8]]", "got a nested array" },
            { "idx", "\"abc\"", "expects an array of 8 numbers, got a string" },
            { "idx", "{\"a\":1}", "got an object" },
            { "idx", "[1,2,3,4,5,6,7,1e39]", "finite numbers" },
            { "idx", "[0,0,0,0,0,0,0,0]", "zero vector" },
            { "pk", "\"abcde\"", "must be 4 hex digits or 4 base64 characters (2 bytes, 16 bits); got 5 hex digits" },
            // hex digits only: read as hex and refused for its length, naming both encodings
            { "pk", "\"abcdef\"", "got 6 hex digits (3 bytes, 24 bits)" },
            { "pk", "\"zz!!\"", "is neither" },
            { "pk", "[1,2,3]", "expects an array of 2 signed bytes" },
            { "pk", "[1,300]", "signed bytes" },
            { "pk", "\"AAAAAA==\"", "got 4 bytes (32 bits) from base64" } };
        BulkRequestBuilder bulk = client().prepareBulk();
        for (int i = 0; i < cases.length; i++) {
            String index = cases[i][0];
            bulk.add(client().prepareIndex(index).setId("bad" + i).setSource("{\"e\":" + cases[i][1] + "}", org.opensearch.common.xcontent.XContentType.JSON));
            bulk.add(client().prepareIndex(index).setId("good" + i).setSource("{\"e\":" + (index.equals("pk") ? "\"0f0f\"" : good) + "}", org.opensearch.common.xcontent.XContentType.JSON));
        }
        bulk.add(client().prepareIndex("idx").setId("missing").setSource("{\"tag\":\"no vector\"}", org.opensearch.common.xcontent.XContentType.JSON));
        bulk.add(client().prepareIndex("idx").setId("null").setSource("{\"e\":null}", org.opensearch.common.xcontent.XContentType.JSON));
        BulkResponse response = bulk.setRefreshPolicy("true").get();
        int failed = 0;
        for (BulkItemResponse item : response.getItems()) {
            if (item.getId().startsWith("bad")) {
                int i = Integer.parseInt(item.getId().substring(3));
                assertTrue(item.getId() + " should fail", item.isFailed());
                assertEquals(RestStatus.BAD_REQUEST, item.getFailure().getStatus());
                String message = rootMessage(item.getFailure().getCause());
                assertThat(message, containsString("[e]"));
                assertThat(cases[i][1], message, containsString(cases[i][2]));
                failed++;
            } else {
                assertFalse(item.getId() + ": " + item.getFailureMessage(), item.isFailed());
            }
        }
        assertEquals(cases.length, failed);
        assertEquals(8 + 2, client().prepareSearch("idx").setSize(0).get().getHits().getTotalHits().value());
        assertEquals(6, client().prepareSearch("pk").setSize(0).get().getHits().getTotalHits().value()); // one good per pk case
    }

    private static XContentBuilder doc(float[] v) throws IOException {
        XContentBuilder b = XContentFactory.jsonBuilder().startObject().startArray("e");
        for (float x : v) {
            b.value(x);
        }
        return b.endArray().endObject();
    }

    private Map<String, float[]> readFloats(String index) throws IOException {
        Map<String, float[]> out = new HashMap<>();
        try (Engine.Searcher searcher = shard(index).acquireSearcher("test")) {
            for (LeafReaderContext ctx : searcher.getIndexReader().leaves()) {
                FloatVectorValues values = ctx.reader().getFloatVectorValues("e");
                KnnVectorValues.DocIndexIterator it = values.iterator();
                for (int doc = it.nextDoc(); doc != KnnVectorValues.DocIndexIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                    out.put(id(ctx.reader(), doc), values.vectorValue(it.index()).clone());
                }
            }
        }
        return out;
    }

    private Map<String, byte[]> readBytes(String index) throws IOException {
        Map<String, byte[]> out = new HashMap<>();
        try (Engine.Searcher searcher = shard(index).acquireSearcher("test")) {
            for (LeafReaderContext ctx : searcher.getIndexReader().leaves()) {
                ByteVectorValues values = ctx.reader().getByteVectorValues("e");
                KnnVectorValues.DocIndexIterator it = values.iterator();
                for (int doc = it.nextDoc(); doc != KnnVectorValues.DocIndexIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                    out.put(id(ctx.reader(), doc), values.vectorValue(it.index()).clone());
                }
            }
        }
        return out;
    }

    private static String id(LeafReader reader, int doc) throws IOException {
        List<String> ids = new ArrayList<>();
        reader.storedFields().document(doc, new org.apache.lucene.index.StoredFieldVisitor() {
            @Override
            public Status needsField(org.apache.lucene.index.FieldInfo fieldInfo) {
                return fieldInfo.name.equals("_id") ? Status.YES : Status.NO;
            }

            @Override
            public void binaryField(org.apache.lucene.index.FieldInfo fieldInfo, byte[] value) {
                ids.add(org.opensearch.index.mapper.Uid.decodeId(value));
            }
        });
        return ids.get(0);
    }

    private IndexShard shard(String index) {
        return getInstanceFromNode(IndicesService.class).indexServiceSafe(resolveIndex(index)).getShard(0);
    }
}
