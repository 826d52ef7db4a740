package org.opensearch.binaryembeddings.mapper;

import org.opensearch.binaryembeddings.codec.SourceRewriter;
import org.opensearch.common.collect.Tuple;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.MediaType;
import org.opensearch.core.xcontent.MediaTypeRegistry;
import org.opensearch.core.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Keeps {@code binary_embedding} vectors out of stored source documents: {@link #strip} replaces a field's value with
 * the {@code null} placeholder when a document is indexed (and when a document-by-document merge copies a document
 * that reading filled in), {@link #inject} fills the placeholder from the vector files when the document is read.
 * A field is a dotted path, found as nested objects, as a dotted key, or a mix, and inside arrays of objects.
 *
 * <p>The document keeps its content type (JSON, SMILE, CBOR, YAML) and key order; other values are re-serialized
 * from their parsed form, so their text may change (e.g. {@code 1.50} becomes {@code 1.5}) but not their value.
 */
public final class SourceVectors implements SourceRewriter {

    public static final SourceVectors INSTANCE = new SourceVectors();

    private SourceVectors() {}

    @Override
    public byte[] inject(byte[] source, Map<String, Object> values) throws IOException {
        Tuple<? extends MediaType, Map<String, Object>> parsed = XContentHelper.convertToMap(new BytesArray(source), true, (MediaType) null);
        boolean changed = false;
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object json = e.getValue() instanceof float[] f ? toList(f) : HexFormat.of().formatHex((byte[]) e.getValue());
            changed |= replace(parsed.v2(), e.getKey(), old -> old == null ? json : old, true);
        }
        return changed ? write(parsed.v1(), parsed.v2()) : source;
    }

    @Override
    public byte[] strip(byte[] source, Set<String> fields) throws IOException {
        Tuple<? extends MediaType, Map<String, Object>> parsed = XContentHelper.convertToMap(new BytesArray(source), true, (MediaType) null);
        boolean changed = false;
        for (String field : fields) {
            changed |= replace(parsed.v2(), field, old -> null, false);
        }
        return changed ? write(parsed.v1(), parsed.v2()) : source;
    }

    /**
     * Applies {@code f} to the values found at {@code path} ({@code onlyNull}: only to placeholders, and only the first).
     *
     * @return whether a value changed
     */
    @SuppressWarnings("unchecked")
    private static boolean replace(Map<String, Object> map, String path, Function<Object, Object> f, boolean onlyNull) {
        if (map.containsKey(path)) {
            Object old = map.get(path);
            if (onlyNull ? old == null : old != null) {
                map.put(path, f.apply(old));
                return true;
            }
            return false;
        }
        boolean changed = false;
        for (int dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
            Object child = map.get(path.substring(0, dot));
            String rest = path.substring(dot + 1);
            List<Object> children = child instanceof List<?> l ? (List<Object>) l : child == null ? List.of() : List.of(child);
            for (Object c : children) {
                if (c instanceof Map<?, ?> m) {
                    changed |= replace((Map<String, Object>) m, rest, f, onlyNull);
                    if (changed && onlyNull) {
                        return true;
                    }
                }
            }
        }
        return changed;
    }

    private static List<Float> toList(float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return list;
    }

    private static byte[] write(MediaType type, Map<String, Object> map) throws IOException {
        BytesStreamOutput out = new BytesStreamOutput();
        try (XContentBuilder builder = MediaTypeRegistry.contentBuilder(type, out)) {
            builder.map(map);
        }
        return BytesReference.toBytes(out.bytes());
    }
}
