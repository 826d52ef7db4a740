package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.StoredFieldsReader;
import org.apache.lucene.codecs.StoredFieldsWriter;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.MergeState;
import org.apache.lucene.index.StoredFieldDataInput;
import org.apache.lucene.util.BytesRef;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Writes stored fields through the delegate. Documents being indexed arrive with their vectors already stripped by
 * the mapper and are written as they are. A merge whose readers are all {@link DerivedSourceStoredFieldsReader}s
 * hands the delegate their own readers (stored documents copied as stored, placeholders kept, bulk copy possible);
 * otherwise documents are copied one by one through this writer, which strips the vectors that reading filled in.
 */
final class DerivedSourceStoredFieldsWriter extends StoredFieldsWriter {

    private final StoredFieldsWriter out;
    /** Derived-source fields to strip from source documents; empty outside a document-by-document merge. */
    private Set<String> strip = Set.of();

    DerivedSourceStoredFieldsWriter(StoredFieldsWriter out) {
        this.out = out;
    }

    @Override
    public int merge(MergeState mergeState) throws IOException {
        StoredFieldsReader[] readers = mergeState.storedFieldsReaders;
        StoredFieldsReader[] unwrapped = new StoredFieldsReader[readers.length];
        boolean allOurs = true;
        for (int i = 0; i < readers.length; i++) {
            if (readers[i] instanceof DerivedSourceStoredFieldsReader r) {
                unwrapped[i] = r.delegate();
            } else {
                unwrapped[i] = readers[i];
                allOurs &= readers[i] == null;
            }
        }
        Set<String> derived = new LinkedHashSet<>();
        for (FieldInfo fi : DerivedSourceStoredFieldsFormat.derivedFields(mergeState.mergeFieldInfos)) {
            derived.add(fi.name);
        }
        if (allOurs || derived.isEmpty() || DerivedSourceStoredFieldsFormat.rewriter() == null) {
            return out.merge(withReaders(mergeState, unwrapped));
        }
        strip = derived;
        try {
            return super.merge(mergeState);
        } finally {
            strip = Set.of();
        }
    }

    private static MergeState withReaders(MergeState s, StoredFieldsReader[] readers) {
        return new MergeState(
            s.docMaps,
            s.segmentInfo,
            s.mergeFieldInfos,
            readers,
            s.termVectorsReaders,
            s.normsProducers,
            s.docValuesProducers,
            s.fieldInfos,
            s.liveDocs,
            s.fieldsProducers,
            s.pointsReaders,
            s.knnVectorsReaders,
            s.maxDocs,
            s.infoStream,
            s.intraMergeTaskExecutor,
            s.needsIndexSort,
            s.oneMerge
        );
    }

    @Override
    public void startDocument() throws IOException {
        out.startDocument();
    }

    @Override
    public void finishDocument() throws IOException {
        out.finishDocument();
    }

    @Override
    public void writeField(FieldInfo info, int value) throws IOException {
        out.writeField(info, value);
    }

    @Override
    public void writeField(FieldInfo info, long value) throws IOException {
        out.writeField(info, value);
    }

    @Override
    public void writeField(FieldInfo info, float value) throws IOException {
        out.writeField(info, value);
    }

    @Override
    public void writeField(FieldInfo info, double value) throws IOException {
        out.writeField(info, value);
    }

    @Override
    public void writeField(FieldInfo info, StoredFieldDataInput value) throws IOException {
        if (strip.isEmpty() || DerivedSourceStoredFieldsFormat.SOURCE_FIELDS.contains(info.name) == false) {
            out.writeField(info, value);
            return;
        }
        byte[] bytes = new byte[value.getLength()];
        value.getDataInput().readBytes(bytes, 0, bytes.length);
        writeField(info, new BytesRef(bytes));
    }

    @Override
    public void writeField(FieldInfo info, BytesRef value) throws IOException {
        if (strip.isEmpty() == false && DerivedSourceStoredFieldsFormat.SOURCE_FIELDS.contains(info.name)) {
            byte[] bytes = BytesRef.deepCopyOf(value).bytes;
            byte[] stripped = DerivedSourceStoredFieldsFormat.rewriter().strip(bytes, strip);
            if (stripped != bytes) {
                value = new BytesRef(stripped);
            }
        }
        out.writeField(info, value);
    }

    @Override
    public void writeField(FieldInfo info, String value) throws IOException {
        out.writeField(info, value);
    }

    @Override
    public void finish(int numDocs) throws IOException {
        out.finish(numDocs);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    @Override
    public long ramBytesUsed() {
        return out.ramBytesUsed();
    }
}
