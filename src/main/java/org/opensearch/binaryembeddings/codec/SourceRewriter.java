package org.opensearch.binaryembeddings.codec;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites a stored source document ({@code _source} or {@code _recovery_source}: JSON, SMILE, CBOR or YAML bytes)
 * for {@link DerivedSourceStoredFieldsFormat}. The codec does not parse documents itself; the plugin installs an
 * implementation once with {@link DerivedSourceStoredFieldsFormat#install}.
 *
 * <p>The contract is a placeholder: a field whose vector lives only in the vector files is kept in the stored source
 * as its key with a {@code null} value. {@link #strip} writes the placeholder, {@link #inject} fills it.
 */
public interface SourceRewriter {

    /**
     * Replaces the {@code null} placeholder of each field (a dotted path) with its value: a {@code float[]} (written
     * as an array of numbers) or a {@code byte[]} of packed bits (written as a hex string).
     *
     * @return the rewritten document, or {@code source} itself when no placeholder was filled
     */
    byte[] inject(byte[] source, Map<String, Object> values) throws IOException;

    /**
     * Replaces the non-null value of each field (a dotted path) with the {@code null} placeholder.
     *
     * @return the rewritten document, or {@code source} itself when none of the fields held a value
     */
    byte[] strip(byte[] source, Set<String> fields) throws IOException;
}
