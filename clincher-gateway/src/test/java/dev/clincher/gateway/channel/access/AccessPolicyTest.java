package dev.clincher.gateway.channel.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.testing.ManualClock;
import dev.clincher.gateway.channel.ChatKind;
import dev.clincher.gateway.channel.access.AccessDecision.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
  static final AccessSettings SETTINGS = new AccessSettings(DmPolicy.PAIRING, Set.of("100"), Set.of("-500"));

  static AccessRequest direct(String sender, boolean paired, boolean withinRate) {
    return new AccessRequest(ChatKind.DIRECT, sender, sender, false, paired, withinRate);
  }

  static AccessRequest group(String chat, boolean addressed) {
    return new AccessRequest(ChatKind.GROUP, chat, "7", addressed, false, true);
  }

  @Test
  void anUnknownSenderIsOfferedPairingAndNothingElse() {
    AccessDecision decision = new AccessPolicy(SETTINGS).decide(direct("7", false, true));
    assertThat(decision.verdict()).isEqualTo(Verdict.OFFER_PAIRING);
    assertThat(decision.rule()).isEqualTo("dm_pairing");
  }

  @Test
  void anUnknownSenderOverTheRateGetsNothing() {
    AccessDecision decision = new AccessPolicy(SETTINGS).decide(direct("7", false, false));
    assertThat(decision.verdict()).isEqualTo(Verdict.IGNORE);
    assertThat(decision.rule()).isEqualTo("unknown_sender_rate_limited");
  }

  @Test
  void allowlistedAndPairedSendersAreAccepted() {
    AccessPolicy policy = new AccessPolicy(SETTINGS);
    assertThat(policy.decide(direct("100", false, false)).rule()).isEqualTo("dm_allowlist");
    assertThat(policy.decide(direct("7", true, false)).rule()).isEqualTo("dm_paired");
    assertThat(policy.decide(direct("7", true, false)).accepted()).isTrue();
  }

  @Test
  void allowlistModeIgnoresEvenPairedStrangers() {
    AccessPolicy policy = new AccessPolicy(new AccessSettings(DmPolicy.ALLOWLIST, Set.of("100"), Set.of()));
    assertThat(policy.decide(direct("7", true, true)).rule()).isEqualTo("dm_not_allowlisted");
    assertThat(policy.decide(direct("100", false, true)).accepted()).isTrue();
  }

  @Test
  void disabledAnswersNoDirectMessage() {
    AccessPolicy policy = new AccessPolicy(new AccessSettings(DmPolicy.DISABLED, Set.of("100"), Set.of()));
    AccessDecision decision = policy.decide(direct("100", true, true));
    assertThat(decision.verdict()).isEqualTo(Verdict.IGNORE);
    assertThat(decision.rule()).isEqualTo("dm_disabled");
  }

  @Test
  void groupsOnlyWhenEnabledAndAddressed() {
    AccessPolicy policy = new AccessPolicy(SETTINGS);
    assertThat(policy.decide(group("-999", true)).rule()).isEqualTo("group_not_enabled");
    assertThat(policy.decide(group("-500", false)).rule()).isEqualTo("group_not_addressed");
    assertThat(policy.decide(group("-500", true)).accepted()).isTrue();
    assertThat(new AccessPolicy(AccessSettings.defaults()).decide(group("-500", true)).accepted()).isFalse();
  }

  @Test
  void dmPolicyReadsItsConfigNames() {
    assertThat(DmPolicy.parse("Pairing")).isEqualTo(DmPolicy.PAIRING);
    assertThat(DmPolicy.parse("allowlist")).isEqualTo(DmPolicy.ALLOWLIST);
    assertThat(DmPolicy.parse("disabled")).isEqualTo(DmPolicy.DISABLED);
  }

  @Test
  void pairingCodesAreStablePerSenderOneTimeAndExpire() {
    ManualClock clock = new ManualClock();
    PairingCodes codes = new PairingCodes(Duration.ofMinutes(10), 2, clock);
    PairingCodes.Pending first = codes.issue("7", "7");
    assertThat(first.code()).matches("[A-HJ-NP-Z2-9]{8}");
    assertThat(codes.issue("7", "7").code()).isEqualTo(first.code());
    assertThat(codes.approve(first.code().toLowerCase())).map(PairingCodes.Pending::senderId).contains("7");
    assertThat(codes.approve(first.code())).isEmpty();

    PairingCodes.Pending expiring = codes.issue("8", "8");
    clock.advance(Duration.ofMinutes(11));
    assertThat(codes.approve(expiring.code())).isEmpty();
  }

  @Test
  void pendingCodesSurviveARestartKeptOnlyByTheirHash() {
    ManualClock clock = new ManualClock();
    List<PendingCodeStore.Entry> kept = new java.util.ArrayList<>();
    PendingCodeStore memory = PendingCodeStore.inMemory();
    PendingCodeStore store = new PendingCodeStore() {
      @Override
      public void add(Entry entry) {
        kept.add(entry);
        memory.add(entry);
      }

      @Override
      public java.util.Optional<Entry> take(String codeHash, java.time.Instant now) {
        return memory.take(codeHash, now);
      }

      @Override
      public int prune(java.time.Instant now, int max) {
        return memory.prune(now, max);
      }
    };
    PairingCodes.Pending before = new PairingCodes(Duration.ofMinutes(10), 5, clock, store).issue("7", "7");
    assertThat(kept).singleElement().asString().doesNotContain(before.code());

    PairingCodes restarted = new PairingCodes(Duration.ofMinutes(10), 5, clock, store);
    assertThat(restarted.pending()).isEqualTo(1);
    PairingCodes.Pending again = restarted.issue("7", "7");
    assertThat(again.code()).as("the code in clear is gone: a new one").isNotEqualTo(before.code());
    assertThat(restarted.approve(before.code())).map(PairingCodes.Pending::senderId).contains("7");
    assertThat(restarted.approve(again.code())).as("the sender's other code went with the approval").isEmpty();
    assertThat(restarted.pending()).isZero();
  }

  @Test
  void pairingCodesAreBounded() {
    PairingCodes codes = new PairingCodes(Duration.ofMinutes(10), 2, new ManualClock());
    PairingCodes.Pending oldest = codes.issue("1", "1");
    codes.issue("2", "2");
    PairingCodes.Pending newest = codes.issue("3", "3");
    assertThat(codes.approve(oldest.code())).isEmpty();
    assertThat(codes.approve(newest.code())).isPresent();
  }

  @Test
  void unknownSendersAreLimitedPerSenderAndOverall() {
    ManualClock clock = new ManualClock();
    UnknownSenderLimit limit = new UnknownSenderLimit(2, 3, Duration.ofMinutes(1), 100, clock);
    assertThat(limit.tryAcquire("a")).isTrue();
    assertThat(limit.tryAcquire("a")).isTrue();
    assertThat(limit.tryAcquire("a")).as("per sender").isFalse();
    assertThat(limit.tryAcquire("b")).isTrue();
    assertThat(limit.tryAcquire("c")).as("overall").isFalse();
    clock.advance(Duration.ofMinutes(1));
    assertThat(limit.tryAcquire("a")).as("a new window").isTrue();
  }
}
