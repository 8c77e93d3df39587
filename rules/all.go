package rules

import "github.com/shipshape-dev/shipshape/lint"

// All returns every rule, ordered by code. A test checks that this list and the
// rule files agree.
func All() []*lint.Rule {
	return []*lint.Rule{
		AptUpdateAlone,
		AptNoInstallRecommends,
		InstallAssumeYes,
		AptListsCleanup,
		ApkNoCache,
		DnfCacheCleanup,
		PipNoCacheDir,
		JSPackageCache,
		NoUpgrade,
		PinPackageVersions,
		PackageCacheMount,
		SortedPackageList,
		lint.ParseErrorRule,
		lint.UnusedIgnoreRule,
	}
}
