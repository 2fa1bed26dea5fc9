// What delivering one payload to many loopback TCP sockets costs the sending process at
// the least: no protocol, no publish, no framing; one buffer written to every socket with
// non-blocking send() as fast as the readers drain them. Its deliveries per CPU-second are
// the ceiling any server's figure in the large-payload scenarios can reach on the machine
// (docs/benchmarks.md compares them).
//
//   loopback_floor [--sockets 100] [--bytes 4194304] [--rounds 20] [--sendfile]
//
// The sender runs on CPU 0 and the reader thread on CPU 1, as scripts/bench pins the
// server and loadgen. --sendfile sends from a memfd instead of a buffer (sendfile(2)), to
// see whether avoiding the copy into the socket changes the floor.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
    size_t sockets = 100;
    size_t bytes = 4 << 20;
    size_t rounds = 20;
    bool use_sendfile = false;
};

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&] {
            if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
            return std::strtoull(argv[++i], nullptr, 10);
        };
        if (arg == "--sockets") options.sockets = value();
        else if (arg == "--bytes") options.bytes = value();
        else if (arg == "--rounds") options.rounds = value();
        else if (arg == "--sendfile") options.use_sendfile = true;
        else throw std::invalid_argument("unknown argument " + arg);
    }
    return options;
}

void pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

double thread_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// Connected pairs over 127.0.0.1: the sender's ends (non-blocking) and the reader's.
void connect_pairs(size_t count, std::vector<int>& senders, std::vector<int>& readers) {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    check(listener >= 0, "socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    check(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0, "bind");
    check(listen(listener, 1024) == 0, "listen");
    check(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0, "name");
    for (size_t i = 0; i < count; ++i) {
        const int reader = socket(AF_INET, SOCK_STREAM, 0);
        check(connect(reader, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0,
              "connect");
        const int sender = accept(listener, nullptr, nullptr);
        check(sender >= 0, "accept");
        fcntl(sender, F_SETFL, O_NONBLOCK);
        fcntl(reader, F_SETFL, O_NONBLOCK);
        senders.push_back(sender);
        readers.push_back(reader);
    }
    close(listener);
}

// Reads every socket until `total` bytes have arrived.
void drain(const std::vector<int>& readers, size_t total) {
    pin_to_cpu(1);
    const int poll = epoll_create1(0);
    for (size_t i = 0; i < readers.size(); ++i) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = i;
        epoll_ctl(poll, EPOLL_CTL_ADD, readers[i], &event);
    }
    std::vector<char> buffer(1 << 20);
    std::vector<epoll_event> ready(64);
    size_t received = 0;
    while (received < total) {
        const int n = epoll_wait(poll, ready.data(), static_cast<int>(ready.size()), 1000);
        for (int k = 0; k < n; ++k) {
            const int fd = readers[ready[k].data.u64];
            for (ssize_t got; (got = read(fd, buffer.data(), buffer.size())) > 0;) {
                received += static_cast<size_t>(got);
            }
        }
    }
    close(poll);
}

// A memfd holding `payload`, for sendfile; a new one each round, as a server would make
// one per message (pages still queued in sockets must not change).
int payload_file(const std::vector<char>& payload) {
    const int fd = memfd_create("payload", 0);
    check(fd >= 0, "memfd_create");
    check(write(fd, payload.data(), payload.size()) == static_cast<ssize_t>(payload.size()),
          "write");
    return fd;
}

// One round: the payload to every socket, each send as large as the socket takes.
void send_round(const Options& options, const std::vector<int>& senders, int poll,
                const std::vector<char>& payload, int file) {
    std::vector<size_t> sent(senders.size(), 0);
    size_t done = 0;
    auto pump = [&](size_t i) {
        while (sent[i] < options.bytes) {
            ssize_t n;
            if (file >= 0) {
                off_t offset = static_cast<off_t>(sent[i]);
                n = sendfile(senders[i], file, &offset, options.bytes - sent[i]);
            } else {
                n = send(senders[i], payload.data() + sent[i], options.bytes - sent[i],
                         MSG_NOSIGNAL);
            }
            if (n <= 0) return;
            sent[i] += static_cast<size_t>(n);
        }
        ++done;
    };
    for (size_t i = 0; i < senders.size(); ++i) pump(i);
    std::vector<epoll_event> ready(128);
    while (done < senders.size()) {
        const int n = epoll_wait(poll, ready.data(), static_cast<int>(ready.size()), 1000);
        for (int k = 0; k < n; ++k) {
            const size_t i = ready[k].data.u64;
            if (sent[i] < options.bytes) pump(i);
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    try {
        const Options options = parse(argc, argv);
        std::vector<int> senders, readers;
        connect_pairs(options.sockets, senders, readers);
        std::thread reader(drain, std::cref(readers),
                           options.sockets * options.bytes * options.rounds);
        pin_to_cpu(0);
        const int poll = epoll_create1(0);
        for (size_t i = 0; i < senders.size(); ++i) {
            epoll_event event{};
            event.events = EPOLLOUT | EPOLLET;
            event.data.u64 = i;
            epoll_ctl(poll, EPOLL_CTL_ADD, senders[i], &event);
        }
        const std::vector<char> payload(options.bytes, 'A');
        const double before = thread_cpu_seconds();
        for (size_t round = 0; round < options.rounds; ++round) {
            const int file = options.use_sendfile ? payload_file(payload) : -1;
            send_round(options, senders, poll, payload, file);
            if (file >= 0) close(file);
        }
        const double cpu = thread_cpu_seconds() - before;
        reader.join();
        const double deliveries = static_cast<double>(options.sockets * options.rounds);
        std::printf(
            "{\"sockets\":%zu,\"bytes\":%zu,\"rounds\":%zu,\"sendfile\":%s,"
            "\"sender_cpu_s\":%.3f,\"deliveries_per_cpu_s\":%.0f}\n",
            options.sockets, options.bytes, options.rounds, options.use_sendfile ? "true" : "false",
            cpu, deliveries / cpu);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "loopback_floor: %s\n", e.what());
        return 1;
    }
}
