/*
 * clincher-runner: the sandbox's resident command runner.
 *
 * The sandbox container's init shell starts it once, with the container's attached stdin and stdout, so the gateway
 * can run a command without a Docker exec per command (dockerd's exec create/start costs ~110 ms). It runs as the
 * container's user, with the container's environment, no network and no new privileges: it can do nothing a
 * command in the sandbox could not do itself. See docs/gateway.md ("The command runner").
 *
 * Protocol: frames of a 9-byte header [type u8][id u32 big-endian][length u32 big-endian] and `length` payload bytes.
 *   gateway -> runner
 *     'H' hello (id 0)                  -> 'H' with payload "clincher-runner 1"
 *     'R' run   payload: [argc u32] argc x [len u32][bytes], [len u32][workdir], [has_stdin u8] [len u32][stdin]
 *     'K' kill  kills the command's process group (SIGKILL) and stops reading its output
 *   runner -> gateway
 *     'S' started (payload empty)  'O' stdout bytes  'E' stderr bytes
 *     'X' exited, payload [code i32]: the exit status, 128+signal when killed by a signal (as a shell reports it);
 *         sent once the process exited and its stdout and stderr reached end of file (or it was killed)
 *     'F' failed, payload: a message; id 0 means the runner itself stops
 * Every command runs in its own session and process group, stdin from the request (or /dev/null), its own stdout
 * and stderr pipes, every signal reset to its default. A malformed frame from the gateway ends the runner: the
 * gateway then falls back to Docker exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define HEADER 9
#define MAX_REQUEST (32u * 1024 * 1024 + 65536)
#define MAX_ARGS 4096
#define MAX_COMMANDS 64
#define CHUNK 32768
#define VERSION "clincher-runner 1"

struct command {
  int used;
  uint32_t id;
  pid_t pid;
  int out, err, in;         /* our ends of the pipes; -1 when closed */
  unsigned char *stdin_data;
  size_t stdin_len, stdin_off;
  int exited, status;
};

static struct command commands[MAX_COMMANDS];
static int child_pipe[2];   /* SIGCHLD self-pipe */
static unsigned char *request;
static size_t request_len;

static void write_all(const void *data, size_t len) {
  const unsigned char *p = data;
  while (len > 0) {
    ssize_t n = write(1, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(3); /* the gateway is gone; nothing left to talk to */
    }
    p += n;
    len -= (size_t) n;
  }
}

static void put_u32(unsigned char *p, uint32_t v) {
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get_u32(const unsigned char *p) {
  return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static void send_frame(char type, uint32_t id, const void *payload, uint32_t len) {
  unsigned char header[HEADER];
  header[0] = (unsigned char) type;
  put_u32(header + 1, id);
  put_u32(header + 5, len);
  write_all(header, HEADER);
  if (len > 0) write_all(payload, len);
}

static void send_text(char type, uint32_t id, const char *text) {
  send_frame(type, id, text, (uint32_t) strlen(text));
}

static void on_child(int sig) {
  (void) sig;
  int saved = errno;
  ssize_t ignored = write(child_pipe[1], "c", 1);
  (void) ignored;
  errno = saved;
}

static void close_fd(int *fd) {
  if (*fd >= 0) {
    close(*fd);
    *fd = -1;
  }
}

static struct command *find(uint32_t id) {
  for (int i = 0; i < MAX_COMMANDS; i++)
    if (commands[i].used && commands[i].id == id) return &commands[i];
  return NULL;
}

/* Sends 'X' once the process exited and its output pipes are closed; frees the slot. */
static void finish_if_done(struct command *c) {
  if (!c->used || !c->exited || c->out >= 0 || c->err >= 0) return;
  unsigned char code[4];
  int status = WIFEXITED(c->status) ? WEXITSTATUS(c->status)
      : WIFSIGNALED(c->status) ? 128 + WTERMSIG(c->status) : -1;
  put_u32(code, (uint32_t) status);
  send_frame('X', c->id, code, 4);
  close_fd(&c->in);
  free(c->stdin_data);
  memset(c, 0, sizeof *c);
}

/* In the child: own session and group, default signals, the pipes as stdio, then the program. */
static void child(char **argv, const char *workdir, int in, int out, int err) {
  setsid();
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
  if (chdir(workdir) != 0) {
    dprintf(2, "clincher-runner: cannot change to %s: %s\n", workdir, strerror(errno));
    _exit(126);
  }
  setenv("PWD", workdir, 1); /* as the exec path's wrapper shell exports it */
  execvp(argv[0], argv);
  int failed = errno;
  dprintf(2, "clincher-runner: %s: %s\n", argv[0], failed == ENOENT ? "not found" : strerror(failed));
  _exit(failed == ENOENT ? 127 : 126);
}

/* Reads one length-prefixed string of the run payload; NULL when the payload is too short. */
static const unsigned char *take(const unsigned char **p, const unsigned char *end, uint32_t *len) {
  if (end - *p < 4) return NULL;
  *len = get_u32(*p);
  *p += 4;
  if ((uint32_t) (end - *p) < *len) return NULL;
  const unsigned char *start = *p;
  *p += *len;
  return start;
}

static char *copy_string(const unsigned char *bytes, uint32_t len) {
  if (memchr(bytes, 0, len) != NULL) return NULL; /* argv strings cannot hold NUL */
  char *s = malloc((size_t) len + 1);
  if (s == NULL) return NULL;
  memcpy(s, bytes, len);
  s[len] = 0;
  return s;
}

static void run(uint32_t id, const unsigned char *p, const unsigned char *end) {
  struct command *slot = NULL;
  for (int i = 0; i < MAX_COMMANDS && slot == NULL; i++)
    if (!commands[i].used) slot = &commands[i];
  if (find(id) != NULL) { send_text('F', id, "duplicate command id"); return; }
  if (slot == NULL) { send_text('F', id, "too many commands at once"); return; }
  if (end - p < 4) { send_text('F', id, "malformed run request"); return; }
  uint32_t argc = get_u32(p);
  p += 4;
  if (argc == 0 || argc > MAX_ARGS) { send_text('F', id, "argument count out of range"); return; }
  char **argv = calloc((size_t) argc + 1, sizeof(char *));
  char *workdir = NULL;
  const char *problem = argv == NULL ? "out of memory" : NULL;
  uint32_t len = 0;
  for (uint32_t i = 0; i < argc && problem == NULL; i++) {
    const unsigned char *arg = take(&p, end, &len);
    if (arg == NULL || (argv[i] = copy_string(arg, len)) == NULL) problem = "malformed argument";
  }
  const unsigned char *dir = problem == NULL ? take(&p, end, &len) : NULL;
  if (problem == NULL && (dir == NULL || len == 0 || (workdir = copy_string(dir, len)) == NULL))
    problem = "malformed working directory";
  int has_stdin = 0;
  const unsigned char *data = NULL;
  uint32_t data_len = 0;
  if (problem == NULL) {
    if (end - p < 1) problem = "malformed stdin";
    else {
      has_stdin = *p++;
      data = take(&p, end, &data_len);
      if (data == NULL || p != end) problem = "malformed stdin";
    }
  }
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (problem == NULL) {
    if ((has_stdin ? pipe2(in, O_CLOEXEC) : ((in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ? -1 : 0)) != 0
        || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
      problem = "cannot create pipes";
  }
  pid_t pid = -1;
  if (problem == NULL) {
    pid = fork();
    if (pid == 0) child(argv, workdir, in[0], out[1], err[1]);
    if (pid < 0) problem = "cannot fork (process limit?)";
  }
  if (problem == NULL) {
    slot->used = 1;
    slot->id = id;
    slot->pid = pid;
    slot->out = out[0];
    slot->err = err[0];
    slot->in = has_stdin ? in[1] : -1;
    if (has_stdin && data_len > 0) {
      slot->stdin_data = malloc(data_len);
      if (slot->stdin_data != NULL) memcpy(slot->stdin_data, data, data_len);
      slot->stdin_len = slot->stdin_data == NULL ? 0 : data_len;
    }
    if (slot->in >= 0) fcntl(slot->in, F_SETFL, O_NONBLOCK);
    if (slot->in >= 0 && slot->stdin_len == 0) close_fd(&slot->in);
    send_frame('S', id, NULL, 0);
  } else {
    close_fd(&in[1]);
    close_fd(&out[0]);
    close_fd(&err[0]);
    send_text('F', id, problem);
  }
  close_fd(&in[0]);
  close_fd(&out[1]);
  close_fd(&err[1]);
  for (uint32_t i = 0; argv != NULL && i < argc; i++) free(argv[i]);
  free(argv);
  free(workdir);
}

static void kill_command(uint32_t id) {
  struct command *c = find(id);
  if (c == NULL) return; /* finished already */
  kill(-c->pid, SIGKILL);
  kill(c->pid, SIGKILL);
  close_fd(&c->out);
  close_fd(&c->err);
  close_fd(&c->in);
  finish_if_done(c);
}

/* Handles every complete frame in the request buffer; a malformed one ends the runner. */
static void handle_requests(void) {
  size_t at = 0;
  while (request_len - at >= HEADER) {
    unsigned char *h = request + at;
    uint32_t id = get_u32(h + 1), len = get_u32(h + 5);
    if (len > MAX_REQUEST - HEADER) {
      send_text('F', 0, "request frame too large");
      exit(2);
    }
    if (request_len - at - HEADER < len) break;
    const unsigned char *payload = h + HEADER;
    switch (h[0]) {
      case 'H': send_text('H', 0, VERSION); break;
      case 'R': run(id, payload, payload + len); break;
      case 'K': kill_command(id); break;
      default: send_text('F', 0, "unknown request type"); exit(2);
    }
    at += HEADER + len;
  }
  memmove(request, request + at, request_len - at);
  request_len -= at;
}

static void read_requests(void) {
  ssize_t n = read(0, request + request_len, MAX_REQUEST - request_len);
  if (n == 0) { /* stdin closed: nobody can ask anything any more */
    for (int i = 0; i < MAX_COMMANDS; i++)
      if (commands[i].used) kill(-commands[i].pid, SIGKILL);
    exit(0);
  }
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return;
    exit(3);
  }
  request_len += (size_t) n;
  handle_requests();
}

static void forward_output(struct command *c, int *fd, char type) {
  static unsigned char chunk[CHUNK];
  ssize_t n = read(*fd, chunk, sizeof chunk);
  if (n > 0) {
    send_frame(type, c->id, chunk, (uint32_t) n);
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    close_fd(fd);
    finish_if_done(c);
  }
}

static void feed_stdin(struct command *c) {
  ssize_t n = write(c->in, c->stdin_data + c->stdin_off, c->stdin_len - c->stdin_off);
  if (n > 0) c->stdin_off += (size_t) n;
  if ((n < 0 && errno != EINTR && errno != EAGAIN) || c->stdin_off == c->stdin_len) close_fd(&c->in);
}

static void reap(void) {
  char drain[64];
  while (read(child_pipe[0], drain, sizeof drain) > 0) {}
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int i = 0; i < MAX_COMMANDS; i++) {
      if (commands[i].used && commands[i].pid == pid) {
        commands[i].exited = 1;
        commands[i].status = status;
        finish_if_done(&commands[i]);
      }
    }
  }
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  request = malloc(MAX_REQUEST);
  if (request == NULL || pipe2(child_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_child;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  struct pollfd fds[2 + 3 * MAX_COMMANDS];
  struct { struct command *c; int which; } owner[2 + 3 * MAX_COMMANDS];
  for (;;) {
    int n = 0;
    fds[n] = (struct pollfd) {.fd = 0, .events = POLLIN};
    owner[n++].c = NULL;
    fds[n] = (struct pollfd) {.fd = child_pipe[0], .events = POLLIN};
    owner[n++].c = NULL;
    for (int i = 0; i < MAX_COMMANDS; i++) {
      struct command *c = &commands[i];
      if (!c->used) continue;
      if (c->out >= 0) { fds[n] = (struct pollfd) {.fd = c->out, .events = POLLIN}; owner[n].c = c; owner[n++].which = 1; }
      if (c->err >= 0) { fds[n] = (struct pollfd) {.fd = c->err, .events = POLLIN}; owner[n].c = c; owner[n++].which = 2; }
      if (c->in >= 0) { fds[n] = (struct pollfd) {.fd = c->in, .events = POLLOUT}; owner[n].c = c; owner[n++].which = 0; }
    }
    if (poll(fds, (nfds_t) n, -1) < 0) {
      if (errno == EINTR) continue;
      return 3;
    }
    if (fds[1].revents) reap();
    for (int i = 2; i < n; i++) {
      struct command *c = owner[i].c;
      if (fds[i].revents == 0 || !c->used) continue;
      if (owner[i].which == 1 && c->out == fds[i].fd) forward_output(c, &c->out, 'O');
      else if (owner[i].which == 2 && c->err == fds[i].fd) forward_output(c, &c->err, 'E');
      else if (owner[i].which == 0 && c->in == fds[i].fd) feed_stdin(c);
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) read_requests();
  }
}
