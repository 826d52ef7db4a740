package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexFileNames;

/**
 * Which of a segment's files hold a {@code binary_embedding} field's data, and what each holds, from the names the
 * format writes: the per-field vector format records its name and suffix in the field's attributes, and every file of
 * that format instance is named {@code <segment>_<format>_<suffix>.<extension>}. For the stats API, which reports an
 * index's bytes per kind without opening the files.
 */
public final class VectorFileKinds {

    private VectorFileKinds() {}

    /** What a file of the format holds. */
    public enum Kind {
        /**
         * the graph's records, the data every graph hop reads (Lucene's flat vectors and their meta): a float field's
         * centred codes with their factors, a byte field's packed bits.
         */
        BITS,
        /** the HNSW graph and its meta. */
        GRAPH,
        /** the full-precision (float32 / int8) rescoring values, a float field's raw sign bits, and the format's meta. */
        RESCORING
    }

    /** True when the field's vectors were written by {@link BinaryHnswVectorsFormat}. */
    public static boolean isOurs(FieldInfo field) {
        return field.hasVectorValues() && BinaryHnswVectorsFormat.NAME.equals(field.getAttribute(PerFieldKnnVectorsFormat.PER_FIELD_FORMAT_KEY));
    }

    /** The segment suffix of the field's files ({@code <format>_<suffix>}), or null when the field is not ours. */
    public static String segmentSuffix(FieldInfo field) {
        String suffix = field.getAttribute(PerFieldKnnVectorsFormat.PER_FIELD_SUFFIX_KEY);
        return isOurs(field) && suffix != null ? BinaryHnswVectorsFormat.NAME + "_" + suffix : null;
    }

    /**
     * The kind of a file of segment {@code segment} when it belongs to the format instance with segment suffix
     * {@code segmentSuffix}, else null.
     */
    public static Kind kindOf(String fileName, String segment, String segmentSuffix) {
        String stripped = IndexFileNames.stripExtension(fileName);
        if (stripped.equals(segment + "_" + segmentSuffix) == false) {
            return null;
        }
        return switch (IndexFileNames.getExtension(fileName)) {
            case "vec", "vemf" -> Kind.BITS;
            case "vex", "vem" -> Kind.GRAPH;
            case BinaryHnswVectorsFormat.RESCORE_EXTENSION, BinaryHnswVectorsFormat.META_EXTENSION -> Kind.RESCORING;
            default -> null;
        };
    }
}
