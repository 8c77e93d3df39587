package rules

import "github.com/shipshape-dev/shipshape/lint"

// All returns every rule, ordered by code. A test checks that this list and the
// rule files agree.
func All() []*lint.Rule {
	return []*lint.Rule{
		PinBaseImageTag,
		TrustedRegistry,
		AlpineGlibc,
		PinBaseImageDigest,
		AptUpdateAlone,
		AptNoInstallRecommends,
		InstallAssumeYes,
		AptListsCleanup,
		ApkNoCache,
		DnfCacheCleanup,
		PipNoCacheDir,
		JSPackageCache,
		NoUpgrade,
		ChmodInSeparateRun,
		ConsecutiveRun,
		DebugToolsInFinal,
		BuildInFinalStage,
		AddArchiveExtract,
		PinPackageVersions,
		PackageCacheMount,
		SecretInBuildArg,
		SecretFileCopied,
		HardcodedSecret,
		RootUser,
		NoUser,
		NoSudo,
		ExecFormCmd,
		SingleProcess,
		InitProcess,
		ExposeValid,
		NoSSHD,
		GunicornWorkerTmpDir,
		JVMContainerMemory,
		PythonEnv,
		InstructionCase,
		MaintainerDeprecated,
		CopyNotAdd,
		CdInRun,
		SortedPackageList,
		Pipefail,
		WorkdirAbsolute,
		AptNotAptGet,
		lint.ParseErrorRule,
		lint.UnusedIgnoreRule,
	}
}
