package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.StoredFieldsFormat;
import org.apache.lucene.codecs.StoredFieldsReader;
import org.apache.lucene.codecs.StoredFieldsWriter;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.SegmentInfo;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Stored fields of an index with {@code binary_embedding} fields: the delegate codec's stored fields, in the delegate's
 * own files and layout (this format writes no file of its own, so it has no header, footer or version), with the
 * vectors of <em>derived-source</em> fields kept out of the stored source documents and put back when they are read.
 *
 * <p>A field is derived-source when its {@link FieldInfo} carries {@value #SOURCE_ATTRIBUTE}{@code =}
 * {@value #DERIVED}. The mapper replaces such a field's value in {@code _source} (and in {@code _recovery_source},
 * when OpenSearch keeps one) with {@code null} before the document reaches the index; the vector itself is stored
 * once, in the field's vector files ({@link BinaryHnswVectorsFormat}).
 *
 * <table>
 *   <caption>what a read of a stored source document returns</caption>
 *   <tr><th>field</th><th>placeholder replaced with</th></tr>
 *   <tr><td>float field, {@code float32} rescoring</td><td>the stored (truncated, normalized) float32 values, exactly</td></tr>
 *   <tr><td>float field, {@code int8} rescoring</td><td>the dequantized int8 values (the stored approximation)</td></tr>
 *   <tr><td>byte field ({@code input: packed} or {@code precision: none})</td><td>the packed bits</td></tr>
 * </table>
 *
 * <p>Reads go through {@link DerivedSourceStoredFieldsReader}, which opens the segment's vectors lazily, on the
 * first document that has a placeholder to fill. Merges copy the stored documents as they are (the delegate's bulk
 * copy); when a reader of the merge is not ours (a merge policy wrapped it), documents are copied one by one and
 * {@link DerivedSourceStoredFieldsWriter} strips the vectors the read put back.
 *
 * <p>Older segments whose sources still hold the vectors literally read unchanged: only placeholders are filled.
 */
public final class DerivedSourceStoredFieldsFormat extends StoredFieldsFormat {

    /** Field attribute: {@value #DERIVED} when the field's vector is kept out of the stored source. */
    public static final String SOURCE_ATTRIBUTE = "binary_embeddings.source";
    /** Value of {@link #SOURCE_ATTRIBUTE}. */
    public static final String DERIVED = "derived";
    /** Stored fields holding source documents. */
    static final List<String> SOURCE_FIELDS = List.of("_source", "_recovery_source");

    private static volatile SourceRewriter rewriter;

    /** Installs the document rewriter (once per node, by the plugin). Without one, sources are read as stored. */
    public static void install(SourceRewriter r) {
        rewriter = r;
    }

    static SourceRewriter rewriter() {
        return rewriter;
    }

    private final StoredFieldsFormat delegate;
    private final Supplier<KnnVectorsFormat> vectors;

    /**
     * @param delegate the codec's stored fields format
     * @param vectors  the codec's vector format, to read the vectors of a segment
     */
    public DerivedSourceStoredFieldsFormat(StoredFieldsFormat delegate, Supplier<KnnVectorsFormat> vectors) {
        this.delegate = delegate;
        this.vectors = vectors;
    }

    @Override
    public StoredFieldsReader fieldsReader(Directory directory, SegmentInfo si, FieldInfos fn, IOContext context) throws IOException {
        StoredFieldsReader in = delegate.fieldsReader(directory, si, fn, context);
        List<FieldInfo> derived = derivedFields(fn);
        if (derived.isEmpty()) {
            return in;
        }
        return new DerivedSourceStoredFieldsReader(in, new DerivedSourceStoredFieldsReader.Vectors(vectors.get(), directory, si, fn, derived));
    }

    @Override
    public StoredFieldsWriter fieldsWriter(Directory directory, SegmentInfo si, IOContext context) throws IOException {
        return new DerivedSourceStoredFieldsWriter(delegate.fieldsWriter(directory, si, context));
    }

    static List<FieldInfo> derivedFields(FieldInfos fn) {
        List<FieldInfo> derived = new ArrayList<>();
        for (FieldInfo fi : fn) {
            if (fi.hasVectorValues() && DERIVED.equals(fi.getAttribute(SOURCE_ATTRIBUTE))) {
                derived.add(fi);
            }
        }
        return derived;
    }
}
