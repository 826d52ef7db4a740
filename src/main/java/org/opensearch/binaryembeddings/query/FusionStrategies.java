package org.opensearch.binaryembeddings.query;

import java.util.List;
import java.util.function.Function;

/**
 * Every {@link FusionMethod} and {@link ScoreNormalization}, found by the name users write. The wire writes a
 * strategy's position in its list, so new ones go at the end. (Kept out of the interfaces: a list there would be
 * initialized while its first member's class is still being initialized.)
 */
final class FusionStrategies {

    private FusionStrategies() {}

    static final List<FusionMethod> METHODS = List.of(LinearFusion.INSTANCE, RrfFusion.INSTANCE, RerankFusion.INSTANCE);

    static final List<ScoreNormalization> NORMALIZATIONS = List.of(
        BoundedNormalization.INSTANCE,
        MinMaxNormalization.INSTANCE,
        ZScoreNormalization.INSTANCE,
        VectorZNormalization.INSTANCE
    );

    static FusionMethod method(String name) {
        return byName(METHODS, FusionMethod::name, "fusion.method", name);
    }

    static ScoreNormalization normalization(String name) {
        return byName(NORMALIZATIONS, ScoreNormalization::name, "fusion.normalization", name);
    }

    private static <T> T byName(List<T> all, Function<T, String> nameOf, String parameter, String name) {
        for (T t : all) {
            if (nameOf.apply(t).equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("[" + parameter + "] must be one of " + all.stream().map(nameOf).toList() + ", got [" + name + "]");
    }
}
