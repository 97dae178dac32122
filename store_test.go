package smshook_test

import (
	"testing"

	"github.com/smshook/smshook"
	"github.com/smshook/smshook/internal/storetest"
)

func TestMemoryStoreKeepsTheStoreContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(testing.TB) smshook.Store { return smshook.NewMemoryStore(0) })
}
