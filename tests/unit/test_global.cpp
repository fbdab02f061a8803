#include "runtime/config/global.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include "runtime/base/error.h"
#include "runtime/base/fs.h"
#include "runtime/config/ct_config.h"
#include "runtime/config/keys.h"
#include "tests/unit/test_util.h"
#include "tests/unit/tmpdir.h"
#include "vessel_build_config.h"

namespace vessel::config {
namespace {

namespace stdfs = std::filesystem;

using test::expect_error;

// Sets or clears an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name)
    {
        if (const char* old = ::getenv(name))
            old_ = old;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv()
    {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

// The source tree. A relative __FILE__ is relative to where the compiler
// ran: the build directory, two levels above this test's executable.
stdfs::path source_root()
{
    stdfs::path file = __FILE__;
    if (file.is_relative() && !stdfs::exists(file)) {
        stdfs::path build_dir = stdfs::read_symlink("/proc/self/exe").parent_path().parent_path().parent_path();
        file = build_dir / file;
    }
    return stdfs::absolute(file).parent_path().parent_path().parent_path();
}

class GlobalTest : public ::testing::Test {
protected:
    stdfs::path write(const std::string& text, const std::string& name = "vessel.conf") const
    {
        fs::write_file_atomic(dir_ / name, text);
        return dir_ / name;
    }
    GlobalConfig load(const std::string& text) const { return GlobalConfig::load(write(text)); }

    test::TmpDir dir_;
};

TEST_F(GlobalTest, CommandLineWinsOverEnvironment)
{
    auto from_cli = write("TEMPLATE=/cli\n", "cli.conf");
    auto from_env = write("TEMPLATE=/env\n", "env.conf");
    ScopedEnv env("VESSEL_CONF", from_env.c_str());
    auto g = GlobalConfig::load(from_cli);
    EXPECT_EQ(g.path(), from_cli);
    EXPECT_EQ(g.template_dir(), "/cli");
}

TEST_F(GlobalTest, EnvironmentWinsOverTheDefault)
{
    auto from_env = write("TEMPLATE=/env\n", "env.conf");
    ScopedEnv env("VESSEL_CONF", from_env.c_str());
    auto g = GlobalConfig::load(std::nullopt);
    EXPECT_EQ(g.path(), from_env);
    EXPECT_EQ(g.template_dir(), "/env");
}

TEST_F(GlobalTest, DefaultPathWithoutCommandLineOrEnvironment)
{
    ScopedEnv env("VESSEL_CONF", nullptr);
    if (stdfs::exists(VESSEL_DEFAULT_CONF)) {
        EXPECT_EQ(GlobalConfig::load(std::nullopt).path(), stdfs::path(VESSEL_DEFAULT_CONF));
        return;
    }
    expect_error([] { GlobalConfig::load(std::nullopt); }, ExitCode::GlobalConfigMissing,
                 std::string(VESSEL_DEFAULT_CONF) + ": not found");
    // An empty variable is no setting at all.
    ScopedEnv empty("VESSEL_CONF", "");
    expect_error([] { GlobalConfig::load(std::nullopt); }, ExitCode::GlobalConfigMissing,
                 std::string(VESSEL_DEFAULT_CONF) + ": not found");
}

TEST_F(GlobalTest, MissingFile)
{
    auto path = dir_ / "nope.conf";
    expect_error([&] { GlobalConfig::load(path); }, ExitCode::GlobalConfigMissing, path.string() + ": not found");
}

TEST_F(GlobalTest, BadFile)
{
    auto bad_value = write("# ok\nSTOP_TIMEOUT=soon\n");
    expect_error([&] { GlobalConfig::load(bad_value); }, ExitCode::InvalidValue,
                 bad_value.string() + ":2: STOP_TIMEOUT: \"soon\": not a number");
    auto bad_line = write("VE_ROOT /vz/root\n");
    expect_error([&] { GlobalConfig::load(bad_line); }, ExitCode::InvalidParameter,
                 bad_line.string() + ":1: expected KEY=\"value\"");
}

TEST_F(GlobalTest, Defaults)
{
    auto g = load("# nothing set\n");
    EXPECT_EQ(g.lock_dir(), "/vz/lock");
    EXPECT_EQ(g.dump_dir(), "/vz/dump");
    EXPECT_EQ(g.run_dir(), "/run/vessel");
    EXPECT_EQ(g.conf_dir(), dir_.path() / "conf");
    EXPECT_EQ(g.layout(), "simfs");
    EXPECT_EQ(g.stop_timeout(), 120u);
    EXPECT_EQ(g.cgroup_parent(), "vessel");
    EXPECT_EQ(g.default_sample(), "");
    EXPECT_EQ(g.default_ostemplate(), "");
    EXPECT_EQ(g.ct_conf(101), dir_.path() / "conf" / "101.conf");
    EXPECT_EQ(g.sample_conf("vswap-512m"), dir_.path() / "conf" / "ve-vswap-512m.conf-sample");
}

TEST_F(GlobalTest, UnsetPathsAreTheirOwnErrors)
{
    auto g = load("VE_PRIVATE=\"\"\n");
    std::string where = " is not set in " + (dir_ / "vessel.conf").string();
    expect_error([&] { g.ve_root(101); }, ExitCode::VeRootUnset, "VE_ROOT" + where);
    expect_error([&] { g.ve_private(101); }, ExitCode::VePrivateUnset, "VE_PRIVATE" + where);
    expect_error([&] { g.template_dir(); }, ExitCode::TemplateUnset, "TEMPLATE" + where);
    expect_error([&] { g.cache_dir(); }, ExitCode::TemplateUnset, "TEMPLATE" + where);
}

TEST_F(GlobalTest, ValuesAndVeidSubstitution)
{
    auto g = load(
        "VE_ROOT=/vz/root/$VEID\n"
        "VE_PRIVATE=\"/vz/private/${VEID}.d\"\n"
        "TEMPLATE=/vz/template\n"
        "LOCKDIR=/l\nDUMPDIR=/d\nRUNDIR=/r\nCONFDIR=/etc/vz/conf\n"
        "CGROUP_PARENT=/vessel\nCONFIGFILE=\"vswap-256m\"\nDEF_OSTEMPLATE=debian-12\n"
        "VE_LAYOUT=simfs\nSTOP_TIMEOUT=30\n");
    EXPECT_EQ(g.ve_root(101), "/vz/root/101");
    EXPECT_EQ(g.ve_private(2147483644), "/vz/private/2147483644.d");
    EXPECT_EQ(g.template_dir(), "/vz/template");
    EXPECT_EQ(g.cache_dir(), "/vz/template/cache");
    EXPECT_EQ(g.lock_dir(), "/l");
    EXPECT_EQ(g.dump_dir(), "/d");
    EXPECT_EQ(g.run_dir(), "/r");
    EXPECT_EQ(g.conf_dir(), "/etc/vz/conf");
    EXPECT_EQ(g.cgroup_parent(), "/vessel");
    EXPECT_EQ(g.default_sample(), "vswap-256m");
    EXPECT_EQ(g.default_ostemplate(), "debian-12");
    EXPECT_EQ(g.stop_timeout(), 30u);
    EXPECT_EQ(g.get("CGROUP_PARENT"), "/vessel");
    EXPECT_EQ(g.get("NOT_SET"), std::nullopt);
}

TEST_F(GlobalTest, RelativePathsAreBesideVesselConf)
{
    auto g = load("VE_ROOT=root/$VEID\nVE_PRIVATE=./private/$VEID\nTEMPLATE=template\nCONFDIR=cfg\n"
                  "LOCKDIR=lock\nRUNDIR=run\nDUMPDIR=../dump\n");
    EXPECT_EQ(g.ve_root(7), dir_.path() / "root/7");
    EXPECT_EQ(g.ve_private(7), dir_.path() / "./private/7");
    EXPECT_EQ(g.template_dir(), dir_.path() / "template");
    EXPECT_EQ(g.conf_dir(), dir_.path() / "cfg");
    EXPECT_EQ(g.lock_dir(), dir_.path() / "lock");
    EXPECT_EQ(g.run_dir(), dir_.path() / "run");
    EXPECT_EQ(g.dump_dir(), dir_.path() / "../dump");
}

TEST(SubstituteVeid, Forms)
{
    EXPECT_EQ(substitute_veid("/vz/root/$VEID", 101), "/vz/root/101");
    EXPECT_EQ(substitute_veid("/vz/${VEID}/x/$VEID", 5), "/vz/5/x/5");
    EXPECT_EQ(substitute_veid("$VEID$VEID", 1), "11");
    EXPECT_EQ(substitute_veid("$VEID.d-$VEID/", 1), "1.d-1/");
    // Another variable, to a shell: left as it is.
    EXPECT_EQ(substitute_veid("/vz/$VEIDX", 1), "/vz/$VEIDX");
    EXPECT_EQ(substitute_veid("/vz/$VEI", 1), "/vz/$VEI");
    EXPECT_EQ(substitute_veid("${VEID", 1), "${VEID");
    EXPECT_EQ(substitute_veid("", 1), "");
}

class CtConfigTest : public GlobalTest {
protected:
    void SetUp() override
    {
        write("VE_ROOT=/vz/root/$VEID\nVE_PRIVATE=/vz/private/$VEID\nCPUUNITS=1000\nHOSTNAME=host.example\n"
              "OSTEMPLATE=global-os\nNAME=everyone\n");
        fs::make_dirs(dir_ / "conf");
    }
    void ct(CtId id, const std::string& text) const
    {
        fs::write_file_atomic(dir_ / "conf" / (std::to_string(id) + ".conf"), text);
    }
    GlobalConfig global() const { return GlobalConfig::load(dir_ / "vessel.conf"); }
};

TEST_F(CtConfigTest, CtKeysOverrideGlobalOnes)
{
    ct(101, "CPUUNITS=\"2000\"\nVE_ROOT=\"/srv/ct/$VEID/root\"\nDCACHE=\"1:2\"\n");
    auto g = global();
    auto c = CtConfig::load(g, 101);
    EXPECT_EQ(c.id(), 101u);
    EXPECT_EQ(c.get("CPUUNITS"), "2000");
    EXPECT_EQ(c.get("VE_PRIVATE"), "/vz/private/$VEID");
    EXPECT_EQ(c.get("DCACHESIZE"), "1:2");
    EXPECT_EQ(c.get("NOT_SET"), std::nullopt);
    EXPECT_EQ(c.ve_root(), "/srv/ct/101/root");
    EXPECT_EQ(c.ve_private(), "/vz/private/101");
    // What names one container never comes from vessel.conf.
    EXPECT_EQ(c.hostname(), "");
    EXPECT_EQ(c.name(), "");
    EXPECT_EQ(c.ostemplate(), "");
}

TEST_F(CtConfigTest, OwnValues)
{
    ct(102, "NAME=\"db\"\nHOSTNAME=\"db.example.com\"\nOSTEMPLATE=\"debian-12\"\nVE_PRIVATE=\"\"\n");
    auto g = global();
    auto c = CtConfig::load(g, 102);
    EXPECT_EQ(c.name(), "db");
    EXPECT_EQ(c.hostname(), "db.example.com");
    EXPECT_EQ(c.ostemplate(), "debian-12");
    // Empty is unset: vessel.conf's value applies.
    EXPECT_EQ(c.ve_private(), "/vz/private/102");

    c.file().set("HOSTNAME", "other.example.com");
    EXPECT_EQ(c.hostname(), "other.example.com");
    EXPECT_EQ(c.file().origin(), (dir_ / "conf" / "102.conf").string());
}

TEST_F(CtConfigTest, MissingAndInvalid)
{
    auto g = global();
    EXPECT_FALSE(CtConfig::load_if_exists(g, 103).has_value());
    expect_error([&] { CtConfig::load(g, 103); }, ExitCode::CtConfigMissing,
                 (dir_ / "conf" / "103.conf").string() + ": not found");
    ct(104, "ONBOOT=yes\nNUMPROC=\"12x\"\n");
    expect_error([&] { CtConfig::load(g, 104); }, ExitCode::InvalidValue,
                 (dir_ / "conf" / "104.conf").string() + ":2: NUMPROC: \"12x\": not a number");
    ct(105, "NUMPROC=\"1\n");
    expect_error([&] { CtConfig::load_if_exists(g, 105); }, ExitCode::InvalidParameter,
                 (dir_ / "conf" / "105.conf").string() + ":1: NUMPROC: unterminated quote");
}

TEST_F(CtConfigTest, FromAFileInMemory)
{
    auto g = global();
    CtConfig c(g, 7, ConfigFile::parse("VE_ROOT=rel/$VEID\n", "mem"));
    EXPECT_EQ(c.ve_root(), dir_.path() / "rel/7");
}

TEST(ShippedConfig, VesselConfAndSamplesValidate)
{
    stdfs::path etc = source_root() / "runtime" / "config" / "etc";
    ASSERT_TRUE(stdfs::exists(etc / "vessel.conf")) << etc;

    auto g = GlobalConfig::load(etc / "vessel.conf");
    EXPECT_EQ(g.conf_dir(), etc / "conf");
    EXPECT_EQ(g.ve_root(101), "/vz/root/101");
    EXPECT_EQ(g.ve_private(101), "/vz/private/101");
    EXPECT_EQ(g.template_dir(), "/vz/template");
    EXPECT_EQ(g.layout(), "simfs");
    EXPECT_EQ(g.stop_timeout(), 120u);
    EXPECT_FALSE(g.default_ostemplate().empty());
    // The default sample is one that ships.
    EXPECT_TRUE(stdfs::exists(g.sample_conf(g.default_sample()))) << g.default_sample();

    int samples = 0;
    for (const auto& e : stdfs::directory_iterator(etc / "conf")) {
        SCOPED_TRACE(e.path().string());
        EXPECT_EQ(e.path().extension(), ".conf-sample");
        auto f = ConfigFile::load(e.path());
        EXPECT_NO_THROW(validate_file(f));
        // Every key is one Vessel knows: a typo would be silently kept.
        for (const auto& a : f.assignments())
            EXPECT_NE(find_key(a.key), nullptr) << a.key;
        ++samples;
    }
    for (const char* name : {"basic", "vswap-256m", "vswap-512m", "vswap-1g"})
        EXPECT_TRUE(stdfs::exists(g.sample_conf(name))) << name;
    EXPECT_EQ(samples, 4);

    for (const auto& a : g.file().assignments())
        EXPECT_NE(find_key(a.key), nullptr) << a.key;
}

}  // namespace
}  // namespace vessel::config
