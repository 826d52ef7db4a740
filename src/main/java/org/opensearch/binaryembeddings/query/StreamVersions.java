package org.opensearch.binaryembeddings.query;

import org.opensearch.Version;

/**
 * The first node version that writes each field added to the queries' wire format after the first release. A node
 * writes a field only to a node that reads it and reads it only from a node that writes it, so a cluster in a rolling
 * upgrade keeps exchanging queries; a new field gets a constant here and both checks in its query's
 * {@code writeTo}/{@code StreamInput} constructor.
 */
final class StreamVersions {

    private StreamVersions() {}

    /** {@code binary_knn}'s filtering-alias filters, folded into the graph walk's filter. */
    static final Version KNN_ALIAS_FILTERS = Version.V_3_8_0;

    /** {@code binary_knn}'s {@code chunks_per_parent} (a vector field inside {@code nested} objects). */
    static final Version KNN_CHUNKS_PER_PARENT = Version.V_3_8_0;

    /** {@code binary_knn}'s {@code oversample} optional: when not given, each shard resolves the default for its own k. */
    static final Version KNN_DEFAULT_OVERSAMPLE = Version.V_3_8_0;

    /** binary_hybrid's keyword search: each shard returns its top window (and ties), not twice the window. */
    static final Version HYBRID_KEYWORD_CUT = Version.V_3_8_0;

    /** binary_hybrid's keyword search on one shard: the shard also returns the vector list. */
    static final Version HYBRID_VECTOR_LIST = Version.V_3_8_0;
}
