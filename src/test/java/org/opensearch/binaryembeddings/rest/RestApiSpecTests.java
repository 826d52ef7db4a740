package org.opensearch.binaryembeddings.rest;

import org.opensearch.binaryembeddings.codec.SignBits;
import org.opensearch.binaryembeddings.encoder.EncoderService;
import org.opensearch.binaryembeddings.encoder.ModelInfo;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.rest.RestHandler;
import org.opensearch.test.OpenSearchTestCase;
import org.opensearch.test.rest.yaml.restspec.ClientYamlSuiteRestApi;
import org.opensearch.test.rest.yaml.restspec.ClientYamlSuiteRestApiParser;

import java.io.InputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The JSON REST API specs parse with the framework's parser and describe exactly the handlers' routes. */
public class RestApiSpecTests extends OpenSearchTestCase {

    private static ClientYamlSuiteRestApi spec(String name) throws Exception {
        String location = "/rest-api-spec/api/" + name + ".json";
        try (
            InputStream in = RestApiSpecTests.class.getResourceAsStream(location);
            XContentParser parser = JsonXContent.jsonXContent.createParser(NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, in)
        ) {
            assertNotNull(location, in);
            return new ClientYamlSuiteRestApiParser().parse(location, parser);
        }
    }

    private static Set<String> specRoutes(ClientYamlSuiteRestApi api) {
        Set<String> out = new TreeSet<>();
        for (ClientYamlSuiteRestApi.Path p : api.getPaths()) {
            Arrays.stream(p.getMethods()).forEach(m -> out.add(m + " " + p.getPath()));
        }
        return out;
    }

    private static Set<String> handlerRoutes(RestHandler handler) {
        return handler.routes().stream().map(r -> r.getMethod().name() + " " + r.getPath()).collect(Collectors.toCollection(TreeSet::new));
    }

    public void testModelsSpecMatchesTheHandler() throws Exception {
        ClientYamlSuiteRestApi api = spec("binary_embeddings.models");
        assertEquals("binary_embeddings.models", api.getName());
        assertEquals(handlerRoutes(new RestModelsAction(() -> null)), specRoutes(api));
        assertFalse(api.isBodySupported());
    }

    public void testEmbedSpecMatchesTheHandler() throws Exception {
        ClientYamlSuiteRestApi api = spec("binary_embeddings.embed");
        assertEquals("binary_embeddings.embed", api.getName());
        assertEquals(handlerRoutes(new RestEmbedAction(() -> null, 10)), specRoutes(api));
        assertTrue(api.isBodyRequired());
    }

    private static final ModelInfo INFO = new ModelInfo("m", 384, "cls", true, 512, "q: ", "", ModelInfo.Status.LOADED, null);

    private static String parseError(Map<String, Object> body) {
        return expectThrows(IllegalArgumentException.class, () -> RestEmbedAction.parse("m", body, INFO, 3)).getMessage();
    }

    public void testEmbedRequestValidation() {
        RestEmbedAction.EmbedRequest r = RestEmbedAction.parse("m", Map.of("texts", List.of("a", "b"), "kind", "query", "binary_dims", 256), INFO, 3);
        assertEquals(List.of("a", "b"), r.texts());
        assertEquals(EncoderService.TextKind.QUERY, r.kind());
        assertEquals(Integer.valueOf(256), r.binaryDims());
        assertEquals(EncoderService.TextKind.PASSAGE, RestEmbedAction.parse("m", Map.of("texts", List.of("a")), INFO, 3).kind());
        assertEquals("[texts] must be an array of strings", parseError(Map.of()));
        assertEquals("[texts] must not be empty", parseError(Map.of("texts", List.of())));
        assertEquals(
            "[texts] has 4 texts, more than the limit of 3 (plugins.binary_embeddings.embed.max_texts)",
            parseError(Map.of("texts", List.of("a", "b", "c", "d")))
        );
        assertEquals("[texts][1] must be a string", parseError(Map.of("texts", List.of("a", 1))));
        assertEquals("[texts][0] must not be empty", parseError(Map.of("texts", List.of(""))));
        assertEquals("[kind] must be [query] or [passage], got [doc]", parseError(Map.of("texts", List.of("a"), "kind", "doc")));
        assertEquals("[binary_dims] must be an integer, got [8.5]", parseError(Map.of("texts", List.of("a"), "binary_dims", 8.5)));
        for (int bad : new int[] { 0, -8, 7, 390, 392 }) {
            assertTrue(parseError(Map.of("texts", List.of("a"), "binary_dims", bad)).startsWith("[binary_dims] must be a positive multiple of 8"));
        }
        Map<String, Object> extra = new HashMap<>(Map.of("texts", List.of("a")));
        extra.put("model", "x");
        assertEquals("unknown parameter [model]; expected [texts], [kind], [binary_dims]", parseError(extra));
    }

    public void testSignBitsArePackedMostSignificantFirst() {
        float[] v = new float[16];
        v[0] = 0.5f;   // bit 0 → 0x80 of byte 0
        v[7] = 1e-9f;  // bit 7 → 0x01 of byte 0
        v[8] = -1f;    // negative: 0
        v[9] = 0f;     // zero: 0 (strictly greater than 0)
        v[10] = 2f;    // bit 10 → 0x20 of byte 1
        assertArrayEquals(new byte[] { (byte) 0x81, 0x20 }, SignBits.pack(v, 16));
        // _embed writes them as hex, with the codec's packing (its [binary_dims] is checked against the model's dims)
        assertEquals("8120", HexFormat.of().formatHex(SignBits.pack(v, 16)));
        assertEquals("81", HexFormat.of().formatHex(SignBits.pack(v, 8)));
        expectThrows(IllegalArgumentException.class, () -> SignBits.pack(v, 12));
    }
}
