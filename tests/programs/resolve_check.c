/* A canonical transcript of the resolver calls a program makes: getaddrinfo
 * with several hint sets, getnameinfo, gethostbyname/gethostbyname2/
 * gethostbyaddr (and _r), res_query/res_search/res_querydomain. Run on the
 * kernel and under the shim, the transcripts must match
 * (tests/e2e/tun_resolve.sh). Plain C, knows nothing about tunsock.
 * Usage: resolve_check [--fixed] [--few] NAME...   (--fixed: cases without a
 * name; --few: one call of each kind for the names after it; --files: the
 * calls the hosts file answers, for the names after it; --sort: entries
 * and addresses sorted, for a server that shuffles them; --async:
 * getaddrinfo_a with GAI_NOWAIT and GAI_WAIT; --addrconfig: AI_ADDRCONFIG
 * with each family, for the names after it; --reverse: getnameinfo and
 * gethostbyaddr(_r) of the numeric addresses after it, IPv4 or IPv6) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char* eai_name(int e) {
  switch (e) {
    case 0: return "0";
    case EAI_BADFLAGS: return "EAI_BADFLAGS";
    case EAI_NONAME: return "EAI_NONAME";
    case EAI_AGAIN: return "EAI_AGAIN";
    case EAI_FAIL: return "EAI_FAIL";
    case EAI_FAMILY: return "EAI_FAMILY";
    case EAI_SOCKTYPE: return "EAI_SOCKTYPE";
    case EAI_SERVICE: return "EAI_SERVICE";
    case EAI_MEMORY: return "EAI_MEMORY";
    case EAI_SYSTEM: return "EAI_SYSTEM";
    case EAI_OVERFLOW: return "EAI_OVERFLOW";
    case EAI_NODATA: return "EAI_NODATA";
    case EAI_ADDRFAMILY: return "EAI_ADDRFAMILY";
    default: return "EAI_other";
  }
}

static const char* herr_name(int h) {
  switch (h) {
    case 0: return "0";
    case HOST_NOT_FOUND: return "HOST_NOT_FOUND";
    case TRY_AGAIN: return "TRY_AGAIN";
    case NO_RECOVERY: return "NO_RECOVERY";
    case NO_DATA: return "NO_DATA";
    case NETDB_INTERNAL: return "NETDB_INTERNAL";
    default: return "h_other";
  }
}

static void addr_text(const struct sockaddr* sa, char* out, size_t len, int* port) {
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in* s = (const struct sockaddr_in*)sa;
    inet_ntop(AF_INET, &s->sin_addr, out, (socklen_t)len);
    *port = ntohs(s->sin_port);
  } else {
    const struct sockaddr_in6* s = (const struct sockaddr_in6*)sa;
    inet_ntop(AF_INET6, &s->sin6_addr, out, (socklen_t)len);
    *port = ntohs(s->sin6_port);
  }
}

static void names(const struct sockaddr* sa, socklen_t salen) {
  static const int flags[] = {0, NI_NAMEREQD, NI_NUMERICHOST | NI_NUMERICSERV, NI_DGRAM, NI_NOFQDN};
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; ++i) {
    char host[NI_MAXHOST] = "", serv[NI_MAXSERV] = "";
    int e = getnameinfo(sa, salen, host, sizeof host, serv, sizeof serv, flags[i]);
    printf("    getnameinfo flags=%d: %s host=%s serv=%s\n", flags[i], eai_name(e), e ? "-" : host, e ? "-" : serv);
  }
}

/* --sort: a server that shuffles its records (dnsmasq rotates a long list)
 * gives no stable order to compare: print the entries sorted. */
static int g_sort;
static int cmp_str(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }
static void print_sorted(char** lines, int n) {
  if (g_sort) qsort(lines, (size_t)n, sizeof *lines, cmp_str);
  for (int i = 0; i < n; ++i) {
    fputs(lines[i], stdout);
    free(lines[i]);
  }
}

static void gai(const char* node, const char* serv, int family, int socktype, int flags, int with_names) {
  struct addrinfo h, *res = NULL;
  memset(&h, 0, sizeof h);
  h.ai_family = family;
  h.ai_socktype = socktype;
  h.ai_flags = flags;
  int e = getaddrinfo(node, serv, &h, &res);
  printf("getaddrinfo(%s, %s, family=%d socktype=%d flags=%#x): %s\n", node ? node : "NULL", serv ? serv : "NULL",
         family, socktype, flags, eai_name(e));
  if (e) return;
  if (g_sort) {
    char* lines[512];
    int n = 0;
    for (struct addrinfo* ai = res; ai && n < 512; ai = ai->ai_next) {
      char a[INET6_ADDRSTRLEN];
      int port = 0;
      addr_text(ai->ai_addr, a, sizeof a, &port);
      if (asprintf(&lines[n], "  %d %d %d %s %d\n", ai->ai_family, ai->ai_socktype, ai->ai_protocol, a, port) > 0)
        ++n;
    }
    if (res->ai_canonname) printf("  canon=%s\n", res->ai_canonname);
    print_sorted(lines, n);
    freeaddrinfo(res);
    return;
  }
  for (struct addrinfo* ai = res; ai; ai = ai->ai_next) {
    char a[INET6_ADDRSTRLEN];
    int port = 0;
    addr_text(ai->ai_addr, a, sizeof a, &port);
    printf("  %d %d %d %s %d%s%s\n", ai->ai_family, ai->ai_socktype, ai->ai_protocol, a, port,
           ai->ai_canonname ? " canon=" : "", ai->ai_canonname ? ai->ai_canonname : "");
    if (with_names && (ai == res || ai->ai_addr->sa_family != res->ai_addr->sa_family)) names(ai->ai_addr, ai->ai_addrlen);
  }
  freeaddrinfo(res);
}

static void print_hostent(const char* what, const struct hostent* he) {
  if (!he) return;
  printf("  %s name=%s type=%d len=%d", what, he->h_name, he->h_addrtype, he->h_length);
  for (char** a = he->h_aliases; *a; ++a) printf(" alias=%s", *a);
  char* lines[512];
  int n = 0;
  for (char** p = he->h_addr_list; *p && n < 512; ++p) {
    char t[INET6_ADDRSTRLEN];
    inet_ntop(he->h_addrtype, *p, t, sizeof t);
    if (asprintf(&lines[n], " addr=%s", t) > 0) ++n;
  }
  print_sorted(lines, n);
  printf("\n");
}

static void hostent_calls(const char* name) {
  struct hostent* he = gethostbyname(name);
  printf("gethostbyname(%s): %s h_errno=%s\n", name, he ? "ok" : "NULL", he ? "-" : herr_name(h_errno));
  print_hostent("", he);
  he = gethostbyname2(name, AF_INET6);
  printf("gethostbyname2(%s, AF_INET6): %s h_errno=%s\n", name, he ? "ok" : "NULL", he ? "-" : herr_name(h_errno));
  print_hostent("", he);
  struct hostent ret, *r = NULL;
  char small[16], big[4096];
  int herr = 0;
  int e = gethostbyname_r(name, &ret, small, sizeof small, &r, &herr);
  printf("gethostbyname_r(%s, 16 bytes): %d %s h_errno=%s\n", name, e, r ? "ok" : "NULL", herr_name(herr));
  e = gethostbyname2_r(name, AF_INET, &ret, big, sizeof big, &r, &herr);
  printf("gethostbyname2_r(%s, AF_INET): %d %s h_errno=%s\n", name, e, r ? "ok" : "NULL", r ? "-" : herr_name(herr));
  print_hostent("", r);
  if (r && r->h_addr_list[0] && !g_sort) {  /* sorted: no stable first address */
    struct in_addr a;
    memcpy(&a, r->h_addr_list[0], 4);
    struct hostent* b = gethostbyaddr(&a, 4, AF_INET);
    printf("gethostbyaddr(%s): %s h_errno=%s\n", inet_ntoa(a), b ? "ok" : "NULL", b ? "-" : herr_name(h_errno));
    print_hostent("", b);
  }
}

static void res_call(const char* what, int n, const unsigned char* ans) {
  if (n < 0) {
    printf("%s: -1 h_errno=%s\n", what, herr_name(h_errno));
    return;
  }
  ns_msg m;
  if (ns_initparse(ans, n, &m) < 0) {
    printf("%s: %d unparsable\n", what, n);
    return;
  }
  printf("%s: rcode=%d answers=%d", what, ns_msg_getflag(m, ns_f_rcode), ns_msg_count(m, ns_s_an));
  for (int i = 0; i < ns_msg_count(m, ns_s_an); ++i) {
    ns_rr rr;
    if (ns_parserr(&m, ns_s_an, i, &rr) < 0) break;
    printf(" %s/%d", ns_rr_name(rr), ns_rr_type(rr));
  }
  printf("\n");
}

static void res_calls(const char* name) {
  unsigned char ans[4096];
  char what[300];
  snprintf(what, sizeof what, "res_query(%s, A)", name);
  res_call(what, res_query(name, ns_c_in, ns_t_a, ans, sizeof ans), ans);
  snprintf(what, sizeof what, "res_search(%s, AAAA)", name);
  res_call(what, res_search(name, ns_c_in, ns_t_aaaa, ans, sizeof ans), ans);
  snprintf(what, sizeof what, "res_search(%s, A)", name);
  res_call(what, res_search(name, ns_c_in, ns_t_a, ans, sizeof ans), ans);
  snprintf(what, sizeof what, "res_querydomain(%s, example.test, A)", name);
  res_call(what, res_querydomain(name, "example.test", ns_c_in, ns_t_a, ans, sizeof ans), ans);
}

/* getaddrinfo_a: a batch without waiting (gai_suspend until each is done),
 * then the same batch with GAI_WAIT. */
static void async_calls(void) {
  static const char* const names[] = {"www.example.test", "v6.example.test", "nosuch.example.test", "filehost.test"};
  enum { N = sizeof names / sizeof names[0] };
  for (int mode = 0; mode < 2; ++mode) {
    struct gaicb reqs[N], *list[N];
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    for (int i = 0; i < N; ++i) {
      memset(&reqs[i], 0, sizeof reqs[i]);
      reqs[i].ar_name = names[i];
      reqs[i].ar_request = &hints;
      list[i] = &reqs[i];
    }
    int e = getaddrinfo_a(mode ? GAI_WAIT : GAI_NOWAIT, list, N, NULL);
    printf("getaddrinfo_a(%s): %s\n", mode ? "GAI_WAIT" : "GAI_NOWAIT", eai_name(e));
    for (int round = 0; round < 100; ++round) {  /* wait on those still running */
      const struct gaicb* wait[N];
      int pending = 0;
      for (int i = 0; i < N; ++i) {
        wait[i] = gai_error(&reqs[i]) == EAI_INPROGRESS ? &reqs[i] : NULL;
        pending += wait[i] != NULL;
      }
      if (!pending) break;
      struct timespec ts = {10, 0};
      gai_suspend(wait, N, &ts);
    }
    for (int i = 0; i < N; ++i) {
      printf("  %s: %s", names[i], eai_name(gai_error(&reqs[i])));
      for (struct addrinfo* ai = reqs[i].ar_result; ai; ai = ai->ai_next) {
        char a[INET6_ADDRSTRLEN];
        int port;
        addr_text(ai->ai_addr, a, sizeof a, &port);
        printf(" %s", a);
      }
      printf(" cancel=%s\n", gai_cancel(&reqs[i]) == EAI_ALLDONE ? "EAI_ALLDONE" : "other");
      freeaddrinfo(reqs[i].ar_result);
    }
  }
}

/* --reverse: an address back to names, as getnameinfo (the flag sets of
 * names()) and gethostbyaddr/gethostbyaddr_r give them. */
static void reverse(const char* text) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t len;
  const void* bytes;
  int family;
  if (strchr(text, ':')) {
    struct sockaddr_in6* s = (struct sockaddr_in6*)&ss;
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(53);
    if (inet_pton(AF_INET6, text, &s->sin6_addr) != 1) return;
    len = sizeof *s;
    bytes = &s->sin6_addr;
    family = AF_INET6;
  } else {
    struct sockaddr_in* s = (struct sockaddr_in*)&ss;
    s->sin_family = AF_INET;
    s->sin_port = htons(53);
    if (inet_pton(AF_INET, text, &s->sin_addr) != 1) return;
    len = sizeof *s;
    bytes = &s->sin_addr;
    family = AF_INET;
  }
  printf("=== %s (reverse)\n", text);
  names((const struct sockaddr*)&ss, len);
  const socklen_t blen = family == AF_INET ? 4 : 16;
  struct hostent* he = gethostbyaddr(bytes, blen, family);
  printf("gethostbyaddr(%s): %s h_errno=%s\n", text, he ? "ok" : "NULL", he ? "-" : herr_name(h_errno));
  print_hostent("", he);
  struct hostent ret, *r = NULL;
  char buf[4096];
  int herr = 0;
  int e = gethostbyaddr_r(bytes, blen, family, &ret, buf, sizeof buf, &r, &herr);
  printf("gethostbyaddr_r(%s): %d %s h_errno=%s\n", text, e, r ? "ok" : "NULL", r ? "-" : herr_name(herr));
  print_hostent("", r);
}

static void fixed(void) {
  gai(NULL, "80", AF_UNSPEC, SOCK_STREAM, AI_PASSIVE, 0);
  gai(NULL, "80", AF_INET, 0, 0, 0);
  gai(NULL, "http", AF_INET6, SOCK_STREAM, 0, 0);
  gai(NULL, NULL, AF_UNSPEC, 0, 0, 0);
  gai("x.example.test", NULL, AF_UNSPEC, 0, AI_CANONNAME | 0x10000, 0);
  gai(NULL, "80", AF_UNSPEC, 0, AI_CANONNAME, 0);
  gai("198.18.0.9", NULL, 12345, 0, 0, 0);
  gai("198.18.0.9", NULL, AF_INET, 12345, 0, 0);
  gai("198.18.0.9", "nosuchservice", AF_INET, 0, 0, 0);
  gai("198.18.0.9", "http", AF_INET, SOCK_RAW, 0, 0);
  gai("198.18.0.9", "http", AF_INET, SOCK_DGRAM, 0, 0);
  gai("198.18.0.9", "domain", AF_INET, 0, AI_CANONNAME, 0);
  gai("198.18.0.9", "http", AF_INET, 0, AI_NUMERICSERV, 0);
  gai("198.18.0.9", NULL, AF_INET6, 0, 0, 0);
  gai("198.18.0.9", NULL, AF_INET6, 0, AI_V4MAPPED, 0);
  gai("2001:db8::9", NULL, AF_INET, 0, 0, 0);
  gai("2001:db8::9", "443", AF_UNSPEC, SOCK_STREAM, AI_NUMERICHOST | AI_CANONNAME, 0);
  gai("198.18.0.9", "7", AF_UNSPEC, 0, 0, 1);
  gai("www.example.test", NULL, AF_UNSPEC, 0, AI_NUMERICHOST, 0);
  /* Reverse lookups of a v4-mapped address (as its IPv4 address) and of "::". */
  gai("::ffff:198.19.0.10", "80", AF_INET6, SOCK_STREAM, AI_NUMERICHOST, 1);
  struct in6_addr any = IN6ADDR_ANY_INIT;
  struct hostent* he = gethostbyaddr(&any, sizeof any, AF_INET6);
  printf("gethostbyaddr(::): %s h_errno=%s\n", he ? "ok" : "NULL", he ? "-" : herr_name(h_errno));
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int few = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--fixed")) {
      fixed();
      continue;
    }
    if (!strcmp(argv[i], "--async")) {
      async_calls();
      continue;
    }
    if (!strcmp(argv[i], "--sort")) {
      g_sort = 1;
      continue;
    }
    if (!strcmp(argv[i], "--files")) {  /* names the hosts file answers: no query may leave */
      few = 2;
      continue;
    }
    if (!strcmp(argv[i], "--reverse")) {  /* addresses to names */
      few = 4;
      continue;
    }
    if (!strcmp(argv[i], "--addrconfig")) {  /* which families the interfaces let through */
      few = 3;
      continue;
    }
    if (!strcmp(argv[i], "--few")) {  /* a server that does not answer: one call of each kind */
      few = 1;
      continue;
    }
    const char* n = argv[i];
    if (few == 2) {
      printf("=== %s (files)\n", n);
      /* The reverse lookup of a numeric name is a query of its own. */
      gai(n, NULL, AF_UNSPEC, 0, 0, !strchr(n, ':') && !(n[0] >= '0' && n[0] <= '9'));
      gai(n, "80", AF_INET, SOCK_STREAM, AI_CANONNAME, 0);
      struct hostent* he = gethostbyname(n);
      printf("gethostbyname(%s): %s h_errno=%s\n", n, he ? "ok" : "NULL", he ? "-" : herr_name(h_errno));
      print_hostent("", he);
      continue;
    }
    if (few == 4) {
      reverse(n);
      continue;
    }
    if (few == 3) {
      printf("=== %s (addrconfig)\n", n);
      const char* node = strcmp(n, "NULL") ? n : NULL;
      gai(node, "80", AF_UNSPEC, SOCK_STREAM, AI_ADDRCONFIG, 0);
      gai(node, "80", AF_INET, SOCK_STREAM, AI_ADDRCONFIG, 0);
      gai(node, "80", AF_INET6, SOCK_STREAM, AI_ADDRCONFIG, 0);
      gai(node, "80", AF_INET6, SOCK_STREAM, AI_ADDRCONFIG | AI_V4MAPPED, 0);
      gai(node, "80", AF_INET6, SOCK_STREAM, AI_ADDRCONFIG | AI_V4MAPPED | AI_ALL, 0);
      struct addrinfo* res = NULL;
      int e = getaddrinfo(node, "80", NULL, &res);  /* NULL hints: AI_V4MAPPED | AI_ADDRCONFIG */
      printf("getaddrinfo(%s, 80, NULL hints): %s\n", n, eai_name(e));
      for (struct addrinfo* ai = res; ai; ai = ai->ai_next) {
        char a[INET6_ADDRSTRLEN];
        int port;
        addr_text(ai->ai_addr, a, sizeof a, &port);
        printf("  %d %d %d %s %d\n", ai->ai_family, ai->ai_socktype, ai->ai_protocol, a, port);
      }
      if (res) freeaddrinfo(res);
      continue;
    }
    if (few) {
      printf("=== %s (few)\n", n);
      gai(n, NULL, AF_UNSPEC, 0, 0, 0);
      struct hostent* he = gethostbyname(n);
      printf("gethostbyname(%s): %s h_errno=%s\n", n, he ? "ok" : "NULL", he ? "-" : herr_name(h_errno));
      unsigned char ans[512];
      res_call("res_query(A)", res_query(n, ns_c_in, ns_t_a, ans, sizeof ans), ans);
      continue;
    }
    printf("=== %s\n", n);
    gai(n, NULL, AF_UNSPEC, 0, 0, 1);
    gai(n, "80", AF_UNSPEC, 0, AI_CANONNAME, 0);
    gai(n, "http", AF_INET, SOCK_STREAM, AI_CANONNAME, 0);
    gai(n, NULL, AF_INET6, SOCK_STREAM, 0, 0);
    gai(n, NULL, AF_INET6, SOCK_STREAM, AI_V4MAPPED, 0);
    gai(n, NULL, AF_INET6, SOCK_STREAM, AI_V4MAPPED | AI_ALL, 0);
    gai(n, "domain", AF_UNSPEC, SOCK_DGRAM, AI_ADDRCONFIG, 0);
    gai(n, NULL, AF_INET, 0, AI_PASSIVE | AI_CANONNAME, 0);
    struct addrinfo* res = NULL;
    int e = getaddrinfo(n, "22", NULL, &res);
    printf("getaddrinfo(%s, 22, NULL hints): %s\n", n, eai_name(e));
    char* lines[512];
    int k = 0;
    for (struct addrinfo* ai = res; ai && k < 512; ai = ai->ai_next) {
      char a[INET6_ADDRSTRLEN];
      int port;
      addr_text(ai->ai_addr, a, sizeof a, &port);
      if (asprintf(&lines[k], "  %d %d %d %s %d\n", ai->ai_family, ai->ai_socktype, ai->ai_protocol, a, port) > 0) ++k;
    }
    print_sorted(lines, k);
    if (res) freeaddrinfo(res);
    hostent_calls(n);
    res_calls(n);
  }
  return 0;
}
