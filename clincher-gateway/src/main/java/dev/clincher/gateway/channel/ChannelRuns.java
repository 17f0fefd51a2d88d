package dev.clincher.gateway.channel;

import dev.clincher.gateway.channel.inbox.SandboxInbox;
import dev.clincher.gateway.events.EventSubscription;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.session.SessionBusyException;
import dev.clincher.gateway.session.SessionService;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.session.UnknownSessionException;
import dev.clincher.gateway.store.ChannelStore;
import dev.clincher.gateway.store.SessionRecord;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter between channels and sessions: each conversation talks to one session of the channel's agent (kept in
 * the {@link ChannelStore}, so it survives a restart), a message starts a run whose events are written back as one
 * growing reply ({@link RunReplies}), and the commands act on that session: {@code /new} starts a fresh one,
 * {@code /abort} stops the run, {@code /status} says what it is doing. A message while a run is in progress is
 * answered "busy" and starts nothing. Every decision is logged once with its rule.
 */
public final class ChannelRuns implements InboundHandler {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway.channels");
  static final String BUSY = "Still working on your last message. Wait for its answer, or send /abort to stop it.";

  private final SessionService sessions;
  private final ChannelStore store;
  private final String agent;

  public ChannelRuns(SessionService sessions, ChannelStore store, String agent) {
    this.sessions = sessions;
    this.store = store;
    this.agent = agent;
  }

  /** One message at a time per gateway: finding or making a session and starting a run is quick. */
  @Override
  public synchronized void handle(InboundMessage message, ReplyPort replies) {
    Conversation from = message.conversation();
    try {
      if (message.command().isPresent()) {
        command(message.command().get(), from, replies);
      } else {
        startRun(message, from, replies);
      }
    } catch (UnknownSessionException e) {
      log(from, "", "refused", "agent_not_configured");
      replies.send(from, "This chat's agent is not available: " + e.getMessage());
    }
  }

  private void command(ChannelCommand command, Conversation from, ReplyPort replies) {
    switch (command) {
      case NEW -> {
        currentSession(from).ifPresent(sessions::abort);
        SessionRecord fresh = newSession(from);
        log(from, fresh.id(), "new_session", "command_new");
        replies.send(from, "Started a new session with agent " + agent + ".");
      }
      case ABORT -> {
        Optional<String> session = currentSession(from);
        boolean aborted = session.map(sessions::abort).orElse(false);
        log(from, session.orElse(""), aborted ? "aborted" : "nothing_to_abort", "command_abort");
        replies.send(from, aborted ? "Aborted the run." : "No run in progress.");
      }
      case STATUS -> {
        Optional<String> session = currentSession(from);
        log(from, session.orElse(""), "status", "command_status");
        replies.send(from, status(session));
      }
    }
  }

  private String status(Optional<String> session) {
    if (session.isEmpty()) {
      return "No session yet: your next message starts one with agent " + agent + ".";
    }
    return "Session " + session.get() + " with agent " + agent + ": "
        + (sessions.busy(session.get()) ? "a run is in progress (/abort stops it)." : "idle.");
  }

  private void startRun(InboundMessage message, Conversation from, ReplyPort replies)
      throws UnknownSessionException {
    String session = currentSession(from).orElseGet(() -> newSession(from).id());
    if (sessions.busy(session)) {
      refuseBusy(from, session, replies);
      return;
    }
    String text = message.text();
    if (message.file().isPresent()) {
      Optional<String> placed = placeFile(session, message.file().get(), from, replies);
      if (placed.isEmpty()) {
        return;
      }
      text = withFileNote(text, placed.get(), message.file().get().content().length);
    }
    EventSubscription events;
    try {
      events = sessions.send(session, text);
    } catch (SessionBusyException e) {
      refuseBusy(from, session, replies);
      return;
    }
    log(from, session, "run_started", "conversation_session");
    RunReplies.start(session, events, replies.open(from), sessions::busy);
  }

  /** Puts the file into the session's sandbox workspace; empty (and the user told why) when that failed. */
  private Optional<String> placeFile(String session, InboundFile file, Conversation from, ReplyPort replies)
      throws UnknownSessionException {
    try {
      String path = SandboxInbox.put(sessions.sandboxOf(session), file);
      log(from, session, "file_placed", "file_to_workspace");
      return Optional.of(path);
    } catch (SandboxException e) {
      LOG.atWarn().addKeyValue("channel", from.channel()).addKeyValue("conversation", from.sessionKey())
          .addKeyValue("session", session).addKeyValue("decision", "refused").addKeyValue("rule", "sandbox_failed")
          .addKeyValue("error", e.getMessage()).log("channel.message");
      replies.send(from, "The file could not be put into the agent's workspace: the sandbox failed.");
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The message the agent gets: where the file is, then the caption. */
  static String withFileNote(String caption, String path, long bytes) {
    String note = "[The user sent a file; it is in the workspace at " + path + " (" + bytes + " bytes).]";
    return caption.isBlank() ? note : note + "\n\n" + caption;
  }

  private void refuseBusy(Conversation from, String session, ReplyPort replies) {
    log(from, session, "refused", "session_busy");
    replies.send(from, BUSY);
  }

  private Optional<String> currentSession(Conversation from) {
    return store.sessionOf(from.sessionKey()).filter(id -> sessions.get(id).isPresent());
  }

  private SessionRecord newSession(Conversation from) {
    try {
      SessionRecord session = sessions.create(agent, from.sessionKey());
      store.bindSession(from.sessionKey(), session.id());
      return session;
    } catch (UnknownSessionException e) {
      throw new IllegalStateException(e.getMessage(), e); // the agent is checked when the channel starts
    }
  }

  private static void log(Conversation from, String session, String decision, String rule) {
    LOG.atInfo().addKeyValue("channel", from.channel()).addKeyValue("conversation", from.sessionKey())
        .addKeyValue("kind", from.kind().name().toLowerCase(Locale.ROOT)).addKeyValue("session", session)
        .addKeyValue("decision", decision).addKeyValue("rule", rule).log("channel.message");
  }
}
