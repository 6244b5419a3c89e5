package io.cgfed.core.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LruCacheTest {
    @Test
    void theLeastRecentlyUsedGoesFirstAndANewEntryIsAlwaysKept() {
        LruCache<String, Integer> c = new LruCache<>(2);
        c.put("a", 1);
        c.put("b", 2);
        assertThat(c.get("a")).isEqualTo(1); // a is now the most recently used
        c.put("c", 3);
        assertThat(c.get("b")).as("b was the least recently used").isNull();
        assertThat(c.get("a")).isEqualTo(1);
        assertThat(c.get("c")).as("the newest is kept").isEqualTo(3);
        assertThat(c.size()).isEqualTo(2);
    }

    @Test
    void computeIfAbsentLoadsOncePerKey() {
        LruCache<String, Integer> c = new LruCache<>(4);
        AtomicInteger loads = new AtomicInteger();
        assertThat(c.computeIfAbsent("k", k -> loads.incrementAndGet())).isEqualTo(1);
        assertThat(c.computeIfAbsent("k", k -> loads.incrementAndGet())).isEqualTo(1);
        assertThat(loads.get()).isEqualTo(1);
    }

    @Test
    void keysAreForgottenByPredicateAndTheCapacityIsPositive() {
        LruCache<String, Integer> c = new LruCache<>(4);
        c.put("e1/0", 1);
        c.put("e1/1", 2);
        c.put("e2/0", 3);
        c.removeKeysIf(k -> k.startsWith("e1/"));
        assertThat(c.size()).isEqualTo(1);
        assertThat(c.get("e2/0")).isEqualTo(3);
        assertThatThrownBy(() -> new LruCache<>(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
