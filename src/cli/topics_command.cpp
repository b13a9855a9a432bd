// `tokenflow topics list|describe|create|add-partitions|delete`: topic administration on any
// Kafka cluster through kafka::Admin, every request bounded by --timeout. On the embedded
// cluster (tokenflow broker / up) list and describe work; what it does not accept (CreateTopics,
// CreatePartitions, DeleteTopics, DescribeConfigs) fails at once with what to do instead.
#include <spdlog/spdlog.h>

#include <iostream>
#include <map>
#include <memory>
#include <utility>

#include "cli/command.hpp"
#include "cli/kafka_flags.hpp"
#include "cli/topics_report.hpp"
#include "core/duration.hpp"
#include "kafka/admin.hpp"
#include "kafka/errc.hpp"

namespace tokenflow::cli {
namespace {

struct TopicsAdminFlags {
  KafkaFlags kafka;
  std::string timeout = "10s";
  std::string format = "text";
};

struct TopicsListFlags {
  TopicsAdminFlags admin;
};

struct TopicsDescribeFlags {
  TopicsAdminFlags admin;
  std::string topic;
  bool all_configs = false;
};

struct TopicsCreateFlags {
  TopicsAdminFlags admin;
  std::string topic;
  int partitions = -1;   // the cluster's default
  int replication = -1;  // the cluster's default
  std::vector<std::string> configs;
};

struct TopicsGrowFlags {
  TopicsAdminFlags admin;
  std::string topic;
  int partitions = 0;
  bool force = false;
};

struct TopicsDeleteFlags {
  TopicsAdminFlags admin;
  std::string topic;
  bool yes = false;
};

// What to do instead, for the requests the embedded cluster does not accept.
constexpr const char* kEmbeddedCreateHint =
    "; the embedded cluster does not accept CreateTopics: tokenflow broker and tokenflow up "
    "create tokenflow's topics themselves (tokenflow broker --partitions N), and there a "
    "producer's first message to a new topic creates it with 4 partitions";
constexpr const char* kEmbeddedGrowHint =
    "; the embedded cluster does not accept CreatePartitions: its topics keep the partitions "
    "they were created with (restart tokenflow broker with --partitions N)";
constexpr const char* kEmbeddedDeleteHint =
    "; the embedded cluster does not accept DeleteTopics: its topics and messages last until "
    "the process that runs it (tokenflow broker or up) stops";
constexpr const char* kEmbeddedConfigHint =
    "; the embedded cluster does not answer DescribeConfigs (its topics have no settings of "
    "their own)";

bool is_not_supported(const core::Error& error) {
  return error.code == kafka::make_error_code(kafka::errc::not_supported);
}

// Logs a failed request, with the embedded cluster's alternative when it is the reason.
int report_failure(const char* command, const core::Error& error, const char* embedded_hint) {
  spdlog::error("topics {}: {}{}", command, error.message,
                is_not_supported(error) ? embedded_hint : "");
  return kExitFailure;
}

std::unique_ptr<kafka::Admin> open_admin(const TopicsAdminFlags& flags, int& exit_code) {
  exit_code = kExitUsage;
  auto config = to_client_config(flags.kafka);
  if (!config) {
    spdlog::error("{}", config.error().message);
    return nullptr;
  }
  // Checked by the flag's validator already.
  const auto timeout = core::parse_duration(flags.timeout);
  auto admin = kafka::Admin::create(*config, timeout ? *timeout : std::chrono::seconds(10));
  if (!admin) {
    spdlog::error("{}", admin.error().message);
    return nullptr;
  }
  exit_code = kExitOk;
  return std::move(admin).value();
}

ReportFormat format_of(const TopicsAdminFlags& flags) {
  return flags.format == "json" ? ReportFormat::json : ReportFormat::text;
}

// The partitions of `topic` and their watermarks; logs and sets `exit_code` when unreadable.
std::optional<TopicReport> read_topic(kafka::Admin& admin, const std::string& topic,
                                      const char* command) {
  auto description = admin.describe_topic(topic);
  if (!description) {
    report_failure(command, description.error(), "");
    return std::nullopt;
  }
  kafka::TopicPartitions partitions;
  for (const auto& p : description->partitions) partitions.push_back({topic, p.partition});
  auto marks = admin.watermarks(partitions);
  if (!marks) {
    report_failure(command, marks.error(), "");
    return std::nullopt;
  }
  TopicReport report;
  report.topic = std::move(description).value();
  report.watermarks = std::move(marks).value();
  return report;
}

int run_topics_list(const TopicsListFlags& flags, kafka::Admin& admin) {
  auto topics = admin.topics();
  if (!topics) return report_failure("list", topics.error(), "");
  kafka::TopicPartitions partitions;
  for (const auto& t : *topics) {
    for (int p = 0; p < t.partitions; ++p) partitions.push_back({t.name, core::Partition{p}});
  }
  auto marks = admin.watermarks(partitions);
  if (!marks) return report_failure("list", marks.error(), "");
  std::vector<TopicSummary> summaries;
  std::size_t next = 0;
  for (const auto& t : *topics) {
    TopicSummary summary{t.name, t.partitions, 0};
    for (int p = 0; p < t.partitions; ++p) summary.messages += retained_messages((*marks)[next++]);
    summaries.push_back(std::move(summary));
  }
  std::cout << render_topic_list(summaries, format_of(flags.admin)) << std::flush;
  return kExitOk;
}

int run_topics_describe(const TopicsDescribeFlags& flags, kafka::Admin& admin) {
  auto report = read_topic(admin, flags.topic, "describe");
  if (!report) return kExitFailure;
  report->all_configs = flags.all_configs;
  // Partitions and offsets are worth showing even where the settings cannot be read.
  if (auto configs = admin.topic_configs(flags.topic); configs) {
    report->configs = std::move(configs).value();
  } else {
    // Reported in the output (config_error in JSON), not as a log line as well.
    report->config_error =
        configs.error().message + (is_not_supported(configs.error()) ? kEmbeddedConfigHint : "");
  }
  std::cout << render_topic_report(*report, format_of(flags.admin)) << std::flush;
  return kExitOk;
}

int run_topics_create(const TopicsCreateFlags& flags, kafka::Admin& admin) {
  std::map<std::string, std::string> configs;
  for (const auto& text : flags.configs) {
    auto parsed = kafka::parse_property(text);  // the same key=value form as -X
    if (!parsed) {
      spdlog::error(
          "topics create: --config '{}' is not key=value with a topic setting's name, "
          "e.g. -c cleanup.policy=compact",
          text);
      return kExitUsage;
    }
    configs[parsed->first] = parsed->second;  // the last one wins
  }
  auto created = admin.create_topic(flags.topic, flags.partitions, flags.replication, configs);
  if (!created) return report_failure("create", created.error(), kEmbeddedCreateHint);
  std::cout << "created topic " << flags.topic << '\n' << std::flush;
  return kExitOk;
}

int run_topics_add_partitions(const TopicsGrowFlags& flags, kafka::Admin& admin) {
  auto current = admin.describe_topic(flags.topic);
  if (!current) return report_failure("add-partitions", current.error(), "");
  const int now = static_cast<int>(current->partitions.size());
  if (flags.partitions <= now) {
    spdlog::error(
        "topics add-partitions: topic {} already has {} partition(s); --partitions is "
        "the new total and must be more than {} (Kafka cannot remove partitions)",
        flags.topic, now, now);
    return kExitUsage;
  }
  if (!flags.force) {
    spdlog::error(
        "topics add-partitions: refused without --force: growing {} from {} to {} partitions "
        "moves tokens (message keys) to other partitions, so a token's new events are no "
        "longer ordered after its earlier ones; and tokenflow's stored positions (the sink's "
        "offsets table, the statistics checkpoints, committed offsets) stay valid only for "
        "the existing partitions 0-{}. Nothing was changed; rerun with --force if that is "
        "what you want",
        flags.topic, now, flags.partitions, now - 1);
    return kExitUsage;
  }
  auto grown = admin.create_partitions(flags.topic, flags.partitions);
  if (!grown) return report_failure("add-partitions", grown.error(), kEmbeddedGrowHint);
  std::cout << "topic " << flags.topic << " grew from " << now << " to " << flags.partitions
            << " partitions\n"
            << std::flush;
  return kExitOk;
}

int run_topics_delete(const TopicsDeleteFlags& flags, kafka::Admin& admin) {
  auto report = read_topic(admin, flags.topic, "delete");
  if (!report) return kExitFailure;
  if (!flags.yes) {
    spdlog::error(
        "topics delete: refused without --yes: this would delete topic {} with its {} "
        "partition(s) and the {} message(s) they retain, for every consumer. Nothing "
        "was changed; rerun with --yes to delete it",
        flags.topic, report->topic.partitions.size(), retained_messages(*report));
    return kExitUsage;
  }
  auto deleted = admin.delete_topic(flags.topic);
  if (!deleted) return report_failure("delete", deleted.error(), kEmbeddedDeleteHint);
  std::cout << "deleted topic " << flags.topic << " (" << report->topic.partitions.size()
            << " partition(s), " << retained_messages(*report) << " message(s))\n"
            << std::flush;
  return kExitOk;
}

void add_admin_flags(CLI::App& cmd, TopicsAdminFlags& flags, bool with_format) {
  add_kafka_flags(cmd, flags.kafka);
  cmd.add_option("--timeout", flags.timeout,
                 "Bound of each request to the cluster (250ms, 10s, 1m); a cluster that does not "
                 "answer in time is an error (exit 1), never a hang")
      ->check(CLI::Validator(
          [](const std::string& text) {
            auto parsed = core::parse_duration(text);
            return parsed ? std::string() : parsed.error().message;
          },
          "DURATION"))
      ->capture_default_str();
  if (with_format) {
    cmd.add_option("--format", flags.format, "text (for people) or json (one JSON document)")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
  }
}

// Adds `topics <name>` with the shared flags (and the topic argument where Flags has one);
// once parsed, the action opens the admin client and runs `run` with it.
template <typename Flags>
std::pair<CLI::App*, std::shared_ptr<Flags>> add_topics_command(
    CLI::App& topics, CommandContext& ctx, const char* name, const char* help, bool with_format,
    int (*run)(const Flags&, kafka::Admin&)) {
  auto flags = std::make_shared<Flags>();
  auto* cmd = topics.add_subcommand(name, help);
  if constexpr (requires { flags->topic; }) {
    cmd->add_option("topic", flags->topic, "The topic's name")->required();
  }
  add_admin_flags(*cmd, flags->admin, with_format);
  cmd->callback([flags, run, &ctx] {
    ctx.action = [flags, run] {
      int exit_code = kExitOk;
      auto admin = open_admin(flags->admin, exit_code);
      return admin ? run(*flags, *admin) : exit_code;
    };
  });
  return {cmd, flags};
}

}  // namespace

void register_topics(CLI::App& app, CommandContext& ctx) {
  auto* topics = app.add_subcommand(
      "topics",
      "Topic administration on any Kafka cluster (KAFKA_BOOTSTRAP_SERVERS): list, describe, "
      "create, add-partitions (needs --force), delete (needs --yes)");
  topics->require_subcommand(1);
  topics->footer(
      "The embedded cluster (tokenflow broker / up) answers list and describe (not the "
      "settings); create, add-partitions and delete fail there at once, saying what to do "
      "instead.\nExit codes: 0 done; 1 failed at run time (cluster unreachable, a request refused "
      "or timed out, unknown topic); 2 bad usage (a flag, a missing --force or --yes).");

  add_topics_command<TopicsListFlags>(
      *topics, ctx, "list",
      "One line per topic (internal __ topics left out): name, partitions, and the messages it "
      "retains (sum over its partitions of log end - log start)",
      true, run_topics_list);

  auto [describe_cmd, describe] = add_topics_command<TopicsDescribeFlags>(
      *topics, ctx, "describe",
      "Each partition of a topic: leader, replicas, in-sync replicas, log start and end "
      "offsets, messages retained; then the topic's settings that differ from the cluster's "
      "defaults (DescribeConfigs; reported as not available where the cluster does not answer "
      "it, as on the embedded cluster)",
      true, run_topics_describe);
  describe_cmd->add_flag("--all-configs", describe->all_configs,
                         "Every setting, defaults included");

  auto [create_cmd, create] = add_topics_command<TopicsCreateFlags>(
      *topics, ctx, "create",
      "Create a topic (CreateTopics). An existing topic is an error. Not on the embedded "
      "cluster, which creates tokenflow's topics itself",
      false, run_topics_create);
  create_cmd
      ->add_option("--partitions", create->partitions,
                   "Partitions (default: the cluster's num.partitions)")
      ->check(CLI::Range(1, 100'000));
  create_cmd
      ->add_option("--replication-factor", create->replication,
                   "Replicas of each partition (default: the cluster's "
                   "default.replication.factor)")
      ->check(CLI::Range(1, 1000));
  create_cmd
      ->add_option("-c,--config", create->configs,
                   "A topic setting, e.g. -c cleanup.policy=compact -c retention.ms=86400000 "
                   "(repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);

  auto [grow_cmd, grow] = add_topics_command<TopicsGrowFlags>(
      *topics, ctx, "add-partitions",
      "Grow a topic to --partitions N in all (CreatePartitions). Refused without --force: new "
      "partitions move tokens (keys) to other partitions, breaking each token's order, and "
      "tokenflow's stored positions cover only the existing partitions",
      false, run_topics_add_partitions);
  grow_cmd->add_option("--partitions", grow->partitions, "The new total number of partitions")
      ->required()
      ->check(CLI::Range(1, 100'000));
  grow_cmd->add_flag("--force", grow->force, "Grow it even though keys move to other partitions");

  auto [delete_cmd, remove] = add_topics_command<TopicsDeleteFlags>(
      *topics, ctx, "delete",
      "Delete a topic and every message in it (DeleteTopics). Refused without --yes, saying how "
      "many partitions and messages would go",
      false, run_topics_delete);
  delete_cmd->add_flag("--yes", remove->yes, "Really delete it");
}

}  // namespace tokenflow::cli
