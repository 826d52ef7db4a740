package org.opensearch.binaryembeddings.mapper;

import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.MediaTypeRegistry;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.test.OpenSearchTestCase;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The placeholder contract of {@link SourceVectors}: strip writes {@code null}, inject fills only placeholders. */
public class SourceVectorsTests extends OpenSearchTestCase {

    private static byte[] json(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    public void testStripThenInjectRoundTrips() throws Exception {
        byte[] source = json("{'a':1,'e':[0.5,-0.25],'t':'x'}");
        byte[] stripped = SourceVectors.INSTANCE.strip(source, Set.of("e"));
        assertEquals(string(json("{'a':1,'e':null,'t':'x'}")), string(stripped));
        byte[] back = SourceVectors.INSTANCE.inject(stripped, Map.of("e", new float[] { 0.5f, -0.25f }));
        assertEquals(string(json("{'a':1,'e':[0.5,-0.25],'t':'x'}")), string(back));
    }

    public void testPathsAsObjectsDottedKeysAndArraysOfObjects() throws Exception {
        byte[] stripped = SourceVectors.INSTANCE.strip(json("{'o':{'e':[1.0]},'p.e':[2.0],'l':[{'e':[3.0]}]}"), Set.of("o.e", "p.e", "l.e"));
        assertEquals(string(json("{'o':{'e':null},'p.e':null,'l':[{'e':null}]}")), string(stripped));
        byte[] back = SourceVectors.INSTANCE.inject(stripped, Map.of("o.e", new float[] { 1f }, "p.e", new byte[] { (byte) 0xa5 }, "l.e", new float[] { 3f }));
        assertEquals(string(json("{'o':{'e':[1.0]},'p.e':'a5','l':[{'e':[3.0]}]}")), string(back));
    }

    public void testInjectFillsOnlyPlaceholdersAndLeavesOtherDocumentsAlone() throws Exception {
        byte[] literal = json("{'e':[9.0]}");
        assertSame("a literal vector (older segments, source: stored) is not replaced", literal,
            SourceVectors.INSTANCE.inject(literal, Map.of("e", new float[] { 1f })));
        byte[] excluded = json("{'t':'x'}");
        assertSame("no key (excluded by the user's _source filter): nothing added", excluded,
            SourceVectors.INSTANCE.inject(excluded, Map.of("e", new float[] { 1f })));
        byte[] nothing = json("{'e':null}");
        assertSame(nothing, SourceVectors.INSTANCE.strip(nothing, Set.of("e")));
    }

    public void testKeepsTheContentType() throws Exception {
        XContentBuilder b = MediaTypeRegistry.contentBuilder(XContentType.SMILE).startObject().field("e", List.of(0.5f)).field("n", 3).endObject();
        byte[] smile = BytesReference.toBytes(BytesReference.bytes(b));
        byte[] stripped = SourceVectors.INSTANCE.strip(smile, Set.of("e"));
        assertEquals(XContentType.SMILE, MediaTypeRegistry.xContentType(new BytesArray(stripped)));
        byte[] back = SourceVectors.INSTANCE.inject(stripped, Map.of("e", new float[] { 0.5f }));
        Map<String, Object> map = XContentHelper.convertToMap(new BytesArray(back), true, XContentType.SMILE).v2();
        assertEquals(3, map.get("n"));
        assertEquals(0.5, ((Number) ((List<?>) map.get("e")).get(0)).doubleValue(), 0);
    }
}
