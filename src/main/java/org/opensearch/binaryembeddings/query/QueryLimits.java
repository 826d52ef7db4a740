package org.opensearch.binaryembeddings.query;

import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Setting.Property;
import org.opensearch.common.settings.Settings;

import java.util.List;
import java.util.function.Consumer;

/**
 * Upper bounds on what one query may ask for, as dynamic cluster settings: each bounds the memory and work of a
 * single request (a shard keeps {@code num_candidates} graph candidates and rescores {@code k × oversample} vectors per
 * segment; {@code binary_hybrid} holds two candidate lists of {@code window} hits on the coordinating node). The
 * defaults follow OpenSearch's own {@code index.max_result_window} of 10,000. Requests above a bound get a 400 that
 * names the parameter and the setting; the settings' own ranges reject absurd values with a 400 at
 * {@code PUT _cluster/settings}.
 */
public record QueryLimits(int maxK, int maxNumCandidates, int maxOversample, int maxWindow) {

    private static final String PREFIX = "plugins.binary_embeddings.query.";

    public static final Setting<Integer> MAX_K = Setting.intSetting(PREFIX + "max_k", 10_000, 1, 100_000, Property.NodeScope, Property.Dynamic);

    public static final Setting<Integer> MAX_NUM_CANDIDATES = Setting.intSetting(
        PREFIX + "max_num_candidates",
        10_000,
        1,
        100_000,
        Property.NodeScope,
        Property.Dynamic
    );

    public static final Setting<Integer> MAX_OVERSAMPLE = Setting.intSetting(PREFIX + "max_oversample", 100, 1, 1_000, Property.NodeScope, Property.Dynamic);

    public static final Setting<Integer> MAX_WINDOW = Setting.intSetting(PREFIX + "max_window", 10_000, 1, 100_000, Property.NodeScope, Property.Dynamic);

    public static final QueryLimits DEFAULTS = from(Settings.EMPTY);

    public static List<Setting<?>> settings() {
        return List.of(MAX_K, MAX_NUM_CANDIDATES, MAX_OVERSAMPLE, MAX_WINDOW);
    }

    public static QueryLimits from(Settings settings) {
        return new QueryLimits(MAX_K.get(settings), MAX_NUM_CANDIDATES.get(settings), MAX_OVERSAMPLE.get(settings), MAX_WINDOW.get(settings));
    }

    /** Keeps {@code target} up to date with the cluster's settings. */
    static void track(ClusterSettings clusterSettings, Consumer<QueryLimits> target) {
        target.accept(new QueryLimits(
            clusterSettings.get(MAX_K),
            clusterSettings.get(MAX_NUM_CANDIDATES),
            clusterSettings.get(MAX_OVERSAMPLE),
            clusterSettings.get(MAX_WINDOW)
        ));
        clusterSettings.addSettingsUpdateConsumer(s -> target.accept(from(s)), settings());
    }
}
